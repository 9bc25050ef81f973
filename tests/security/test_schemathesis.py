"""A bounded schemathesis run against /api/v1/openapi.json (issue 13 item 10): for schema-valid requests the API
never answers 5xx, every answer matches the document (its status is documented for the operation, its content type
is the documented one, its JSON body conforms to the documented schema — the success model or the A-2 envelope),
and no 422 names a format the document did not state (A-2, or a query parameter of the operation)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)

from tests.collection import builders_lists as b

MAX_EXAMPLES = 2
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Constraints between two parameters that JSON Schema cannot state; their descriptions say them.
CROSS_FIELD = {("C-26", "from"), ("C-26", "to"), ("C-25", "list_no")}


def _format_refusals(case, response) -> list:
    if response.status_code != 422:
        return []
    query_names = {p.name for p in case.operation.query}
    violations = (response.json() or {}).get("error", {}).get("violations", [])
    return [v for v in violations if (v.get("rule") == "A-2" or v.get("field") in query_names)
            and (v.get("rule"), v.get("field")) not in CROSS_FIELD]


def _mismatches(case, response) -> list:
    """Return the titles and messages of the failed response checks (empty when the answer matches)."""
    try:
        case.validate_response(response, checks=CHECKS)
    except FailureGroup as group:
        return [f"{f.title}: {f.message}"[:600] for f in group.exceptions]
    return []


def _with_records(known: dict):
    """Return a map over cases putting the seeded records' numbers into the path (so success answers are checked)."""
    def fill(case):
        prefix = case.path.split("/")[3]
        for name in case.path_parameters:
            if (prefix, name) in known:
                case.path_parameters[name] = known[(prefix, name)]
        return case
    return fill


def fuzz(app, headers, known: dict) -> list:
    """Run every operation MAX_EXAMPLES times with generated path values and, where the path names a seeded record,
    MAX_EXAMPLES times with that record (deletes last); return ((method, path, query, status), problem) per failure."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=lambda op: op.method == "delete")
    failures = []

    def check(strategy):
        @given(strategy)
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers=headers)
            where = (case.method, case.formatted_path, case.query, response.status_code)
            failures.extend((where, problem) for problem in _mismatches(case, response))
            refusals = _format_refusals(case, response)
            if refusals:
                failures.append((where, refusals))
        run()

    for operation in operations:
        check(operation.as_strategy())
        names = {p.name for p in operation.path_parameters}
        if any((operation.path.split("/")[3], name) in known for name in names):
            check(operation.as_strategy().map(_with_records(known)))
    return failures


def seed(make, client) -> tuple[dict, dict]:
    """Return a trader's headers and its records by (path prefix, path parameter): a draft list of two items,
    an approved filing and its approved volume."""
    who, filing, volume = b.ready(make, client)
    created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no), headers=who.headers)
    assert created.status_code == 201, created.json
    return who.headers, {("lists", "center_no"): created.json["center_no"],
                         ("collection-filings", "center_no"): filing.center_no,
                         ("volumes", "volume_no"): volume.volume_no}


@pytest.mark.slow
def test_schema_valid_requests_get_documented_answers(app, make, client):
    headers, known = seed(make, client)
    failures = fuzz(app, headers, known)
    assert not failures, failures[:15]
