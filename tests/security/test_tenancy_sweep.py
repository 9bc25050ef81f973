"""Tenancy sweep (§0, X-1, U-5; issue 13): every route of the Flask URL map and every admin view, asked by every
role for enterprise A's records. Generated from `app.url_map` and the registered admin views, so a new page,
endpoint or view is covered without new code. Another enterprise (admin, operator; account and card login,
session and bearer token) never sees A's data and changes nothing of A; auditors write nothing; no role gets a 500.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import CustomsMessage
from tests.collection import builders_lists as b
from tests.factories import csrf_token
from tests.qualification.conftest import filing_body, upload

SECRET_VESSEL = "SECRETVESSEL77"
SKIPPED_ENDPOINTS = {"auth.logout", "static", "admin.static"}  # logging out ends the sweep's own session
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class Victim:
    """Enterprise A with one record of each kind the sweep can name in a URL."""

    def __init__(self, make, client):
        who, filing, volume = b.ready(make, client)
        self.enterprise, self.user, self.card = who.enterprise, who.user, who.card
        created = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, vessel_name=SECRET_VESSEL),
                              headers=who.headers)
        assert created.status_code == 201, created.get_data(as_text=True)
        declared = client.post("/api/v1/lists", json=b.body(volume.customs_volume_no, vessel_name=SECRET_VESSEL),
                               headers=who.headers).json["center_no"]
        assert client.post(f"/api/v1/lists/{declared}/declare", headers=who.headers).status_code == 200
        message_id = db.session.scalars(select(CustomsMessage.message_id).where(
            CustomsMessage.business_no == declared)).one()  # its message to customs carries the vessel's name
        account = make.token(client, user=who.user)
        application = client.post("/api/v1/applications", json=filing_body(), headers=account)
        assert application.status_code == 201, application.get_data(as_text=True)
        self.application_no = application.json["application_no"]
        attachment = upload(client, account, self.application_no)
        assert attachment.status_code == 201
        self.values = {"center_no": created.json["center_no"], "application_no": self.application_no,
                       "volume_no": volume.volume_no, "attachment_id": attachment.json["id"],
                       "username": who.user.username, "card_no": who.card.card_no, "user_id": who.user.id,
                       "card_id": who.card.id, "message_id": message_id, "seq": 1, "kind": "csv", "table": "regions",
                       "parent": "440000"}
        self.by_segment = {("filings", "center_no"): filing.center_no,
                           ("collection-filings", "center_no"): filing.center_no}
        db.session.expire_all()
        self.markers = [self.enterprise.name_zh, self.enterprise.uscc, SECRET_VESSEL]

    def url(self, rule) -> str:
        """Fill the rule's variables with A's identifiers (the segment before a variable picks among numbers)."""
        def value(match):
            name = match.group(1)
            segment = rule.rule[:match.start()].rstrip("/").rsplit("/", 1)[-1]
            return str(self.by_segment.get((segment, name), self.values.get(name, "1")))
        return re.sub(r"<(?:[^:<>]+:)?(\w+)>", value, rule.rule)

    def snapshot(self) -> dict:
        """Rows of every tenant table that belong to A, with the sum of their versions (any update moves it)."""
        state = {}
        for table in db.metadata.sorted_tables:
            if "enterprise_id" not in table.c:
                continue
            version = func.coalesce(func.sum(table.c.version), 0) if "version" in table.c else func.count()
            state[table.name] = tuple(db.session.execute(select(func.count(), version).where(
                table.c.enterprise_id == self.enterprise.id)).one())
        return state


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS or rule.rule.startswith("/admin"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _admin_requests(app, victim):
    """(method, url, data) for every admin view: list, export, and by id each of A's rows of its register."""
    for view in app.extensions["admin"][0]._views:
        model, base = getattr(view, "model", None), getattr(view, "url", "").rstrip("/")
        if not base:
            continue
        yield "GET", f"{base}/", None
        if model is None:
            continue
        yield "GET", f"{base}/export/csv/", None
        table = model.__table__
        if "enterprise_id" not in table.c or "id" not in table.c:
            continue
        ids = db.session.scalars(select(table.c.id).where(table.c.enterprise_id == victim.enterprise.id).limit(2))
        for row_id in ids:
            yield "GET", f"{base}/details/?id={row_id}", None
            yield "GET", f"{base}/edit/?id={row_id}", None
            yield "POST", f"{base}/delete/", {"id": row_id}
            yield "POST", f"{base}/action/", {"action": "delete", "rowid": row_id}


def _attacker(make, client, victim, role):
    """Log in a user of the role (another enterprise for enterprise roles) and return API headers."""
    if role in ("staff", "auditor"):
        make.login(client, user=make.user(None, role))
        return {}
    other = make.enterprise()
    make.qualification(other, "IE")
    admin = make.user(other, "ent_admin")
    user = admin if role.startswith("ent_admin") else make.user(other, "ent_operator")
    if role.endswith("card"):
        card = make.card(user)
        make.login(client, card=card)
        return make.token(client, card=card)
    make.login(client, user=user)
    return make.token(client, user=user)


@pytest.mark.slow
@pytest.mark.parametrize("role", ["ent_admin_account", "ent_admin_card", "ent_operator_account",
                                  "ent_operator_card", "auditor", "staff"])
def test_tenancy_sweep_over_every_route_and_admin_view(app, make, client, role):
    victim = Victim(make, client)
    attacker = app.test_client()
    headers = _attacker(make, attacker, victim, role)
    token = csrf_token(attacker, "/admin/")
    enterprise_role = role.startswith("ent_")
    before = victim.snapshot()
    failures = []

    def check(method, url, response):
        body = response.get_data()
        if response.status_code >= 500:
            failures.append((role, method, url, response.status_code))
        elif enterprise_role and any(marker.encode() in body for marker in victim.markers):
            failures.append((role, method, url, response.status_code, "shows enterprise A's data"))

    for rule, method in _routes(app):
        url = victim.url(rule)
        if not enterprise_role and method in WRITE_METHODS:
            continue  # staff may act on A's records by design; the admin part checks auditors' writes
        if url.startswith("/api/"):
            response = attacker.open(url, method=method, headers=headers, json={} if method != "GET" else None)
        else:
            response = attacker.open(url, method=method, data={"csrf_token": token} if method != "GET" else None)
        check(method, url, response)
    for method, url, data in _admin_requests(app, victim):
        if role == "staff" and method == "POST":
            continue
        response = attacker.open(url, method=method, data={**data, "csrf_token": token} if data else None)
        check(method, url, response)
        if method == "POST" and role != "staff" and response.status_code not in (302, 403, 404):
            failures.append((role, method, url, response.status_code, "write not refused"))
    db.session.expire_all()
    assert not failures, failures[:20]
    assert victim.snapshot() == before
