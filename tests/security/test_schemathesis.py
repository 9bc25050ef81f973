"""A bounded schemathesis run against /api/v1/openapi.json (issue 13 item 10): for schema-valid requests the API
never answers 5xx, its answers match the document, and no 422 names a format the document did not state
(A-2, or a query parameter of the operation)."""
from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.collection import builders_lists as b

MAX_EXAMPLES = 2
# Constraints between two parameters that JSON Schema cannot state; their descriptions say them.
CROSS_FIELD = {("C-26", "from"), ("C-26", "to"), ("C-25", "list_no")}


def _format_refusals(case, response) -> list:
    if response.status_code != 422:
        return []
    query_names = {p.name for p in case.operation.query}
    violations = (response.json() or {}).get("error", {}).get("violations", [])
    return [v for v in violations if (v.get("rule") == "A-2" or v.get("field") in query_names)
            and (v.get("rule"), v.get("field")) not in CROSS_FIELD]


def test_schema_valid_requests_never_fail_on_the_server_or_on_a_format(app, make, client):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    who = b.trader(make, client)
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(operation.as_strategy())
        @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            response = case.call(headers=who.headers)
            if response.status_code >= 500:
                failures.append((case.method, case.path, case.path_parameters, case.query, response.status_code))
            refusals = _format_refusals(case, response)
            if refusals:
                failures.append((case.method, case.path, case.path_parameters, case.query, refusals))

        run()
    assert not failures, failures[:15]
