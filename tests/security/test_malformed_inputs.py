"""Malformed input never answers 500 and never half-writes (issue 13 item 7): huge ids, cursors, filters,
bad enums and NUL characters on every admin view and the list, declaration, filing and change-request APIs.
The admin cases are generated from the registered views, so a new view is covered without new code."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import AuditLog, ListHead
from tests.collection import builders_lists as b
from tests.factories import csrf_token

HUGE = "9" * 25                     # 25 digits: overflows PostgreSQL integer and SQLite's 64-bit integers
BAD_NUMBERS = [HUGE, "-" + HUGE, "-1", "abc"]  # (0, 1e400, nan were tried too: handled like these)
NUL = "a\x00b"
VIEW_PARTS = 6  # the admin views are checked in parts so that the two test workers share them


def _views(app):
    return [v for v in app.extensions["admin"][0]._views if getattr(v, "url", None)]


def _admin_urls(app, part: int = 0, parts: int = 1) -> list[tuple[str, dict]]:
    """The malformed requests of every `parts`-th admin view, from view number `part` on."""
    cases = []
    for view in _views(app)[part::parts]:
        base = view.url.rstrip("/")
        for value in BAD_NUMBERS + [NUL]:
            for name in ("after", "before", "page", "page_size", "sort", "desc", "search", "status"):
                cases.append((f"{base}/", {name: value}))
            cases.append((f"{base}/details/", {"id": value}))
            cases.append((f"{base}/edit/", {"id": value}))
            for index in range(len(getattr(view, "_filters", None) or ())):
                cases.append((f"{base}/", {f"flt0_{index}": value}))
    return cases


@pytest.fixture
def staff_client(client, make):
    make.login(client, user=make.user(None, "staff"))
    return client


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


@pytest.mark.slow
@pytest.mark.parametrize("part", range(VIEW_PARTS))
def test_admin_views_answer_4xx_for_huge_ids_cursors_filters_and_nul(app, staff_client, part):
    failures = []
    for url, query in _admin_urls(app, part, VIEW_PARTS):
        response = staff_client.get(url, query_string=query)
        if response.status_code >= 500:
            failures.append((url, query, response.status_code))
    assert not failures, failures[:20]


def test_admin_writes_with_huge_ids_are_404_and_write_nothing(app, staff_client):
    token = csrf_token(staff_client, "/admin/")
    before = _audit_count()
    failures = []
    for view in _views(app):
        base = view.url.rstrip("/")
        for value in (HUGE, "-" + HUGE, "abc"):
            for path, data in ((f"{base}/delete/", {"id": value}),
                               (f"{base}/action/", {"action": "delete", "rowid": value}),
                               (f"{base}/ajax/update/", {"list_form_pk": value, "status": "1"})):
                response = staff_client.post(path, data={**data, "csrf_token": token})
                if response.status_code >= 500 or response.status_code == 200:
                    failures.append((path, data, response.status_code))
    assert not failures, failures[:20]
    assert _audit_count() == before


def test_admin_review_screens_refuse_huge_cursors(staff_client):
    for url in ("/admin/qualification-review/", "/admin/collection-review/"):
        assert staff_client.get(url, query_string={"before": HUGE}).status_code == 200


@pytest.fixture
def trader(make, client):
    return b.trader(make, client)


@pytest.mark.parametrize("url", [
    f"/api/v1/lists?cursor={HUGE}", f"/api/v1/lists?status={HUGE}", "/api/v1/lists?status=abc",
    "/api/v1/lists?from=2026-13-45", "/api/v1/lists?limit=-5", f"/api/v1/lists?limit={HUGE}",
    f"/api/v1/applications?cursor={HUGE}", "/api/v1/applications?status=NOPE", "/api/v1/applications?from=yesterday",
    f"/api/v1/declarations?cursor={HUGE}", "/api/v1/declarations?role=BOSS", "/api/v1/declarations?cleared=maybe",
    f"/api/v1/collection-filings?cursor={HUGE}", "/api/v1/collection-filings?status=BOGUS",
    f"/api/v1/change-requests?type=MODIFY&cursor={HUGE}", "/api/v1/change-requests?type=ZZ",
    f"/api/v1/mappings?list_no=X&cursor={HUGE}:{HUGE}", "/api/v1/codes/regions?limit=abc",
    "/api/v1/codes/regions?limit=-1",
])
def test_api_query_parameters_out_of_range_are_422(client, trader, url):
    response = client.get(url, headers=trader.headers)
    assert response.status_code == 422, (url, response.status_code)
    assert response.json["error"]["violations"]


@pytest.mark.parametrize("url", [
    f"/api/v1/change-requests/{HUGE}", f"/api/v1/change-requests/{HUGE}/declare", f"/api/v1/aggregations/{HUGE}",
    f"/api/v1/certificates/{HUGE}.pdf", f"/api/v1/lists/X/items/{HUGE}", f"/api/v1/volumes/X/items/{HUGE}",
    f"/api/v1/applications/X/attachments/{HUGE}", "/api/v1/change-requests/-1",
])
def test_api_huge_path_ids_are_404(client, trader, url):
    for method in ("get", "post", "delete"):
        response = getattr(client, method)(url, headers=trader.headers)
        assert response.status_code in (404, 405), (method, url, response.status_code)


def test_nul_in_query_string_is_400_not_a_database_error(client, trader, staff_client):
    assert client.get("/api/v1/lists", query_string={"customs_code": NUL}, headers=trader.headers).status_code == 400
    assert staff_client.get("/admin/audit_log/", query_string={"search": NUL}).status_code == 400


def test_nul_in_json_body_is_422_and_nothing_is_written(client, trader):
    before = db.session.scalar(select(func.count()).select_from(ListHead))
    response = client.post("/api/v1/lists", json={"list_type": "IMPORT_GENERAL", "customs_code": "5300",
                                                  "vessel_name": NUL}, headers=trader.headers)
    assert response.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(ListHead)) == before


def test_twenty_concurrent_deletes_of_a_draft_list_give_one_204_and_no_500(app, client, trader):
    created = client.post("/api/v1/lists", json={"list_type": "IMPORT_GENERAL", "customs_code": "5300"},
                          headers=trader.headers)
    center_no = created.json["center_no"]
    statuses, barrier = [], threading.Barrier(20)

    def delete():
        with app.app_context():
            worker = app.test_client()
            barrier.wait()
            statuses.append(worker.delete(f"/api/v1/lists/{center_no}", headers=trader.headers).status_code)
            db.session.remove()

    threads = [threading.Thread(target=delete) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses.count(204) == 1, statuses
    assert set(statuses) <= {204, 404, 409}, statuses
    db.session.expire_all()
    assert db.session.scalar(select(ListHead).where(ListHead.center_no == center_no)) is None
