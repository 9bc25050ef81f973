"""Helpers of the collection-filing API tests (test_filings.py, test_filing_changes.py): valid product
items, an enterprise with its card-login token and API calls, the simulator's tick, an approved filing."""
from __future__ import annotations

import itertools
from datetime import timedelta

from portal import clock
from portal.extensions import db
from scheduler.simulator import customs_tick

_codes = itertools.count(1)
START = "2026-03-02T10:00:00+08:00"


def item(n: int, **values) -> dict:
    """Return a valid product item."""
    data = {"hs_code": f"{8471300000 + n:010d}", "name": f"商品{n}", "spec": f"规格{n}", "unit": "007"}
    data.update(values)
    return data


def rules_of(response) -> set[tuple[str, str]]:
    return {(v["rule"], v["field"]) for v in response.json["error"]["violations"]}


class Company:
    """An enterprise with a registration code, qualifications and a card-login token."""

    def __init__(self, make, client, types=("IE",), login="card"):
        self.client = client
        self.enterprise = make.enterprise(registration_code=f"44039{next(_codes):05d}")
        for qualification_type in types:
            make.qualification(self.enterprise, qualification_type)
        self.user = make.user(self.enterprise)
        self.make, self.card = make, make.card(self.user) if login == "card" else None
        self.login()

    def login(self) -> None:
        """Get a fresh token (tokens expire; tests move the clock by days)."""
        self.headers = self.make.token(self.client, card=self.card) if self.card is not None else \
            self.make.token(self.client, user=self.user)

    def post(self, url: str, body: dict | None = None):
        return self.client.post("/api/v1" + url, json=body if body is not None else {}, headers=self.headers)

    def get(self, url: str):
        return self.client.get("/api/v1" + url, headers=self.headers)

    def delete(self, url: str):
        return self.client.delete("/api/v1" + url, headers=self.headers)

    def save(self, **body):
        body = {"customs_code": "5300", "goods_nature": "GENERAL", **body}
        response = self.post("/collection-filings", body)
        assert response.status_code == 201, response.json
        return response.json["center_no"]

    def declared(self, **body) -> str:
        center_no = self.save(**body)
        response = self.post(f"/collection-filings/{center_no}/declare")
        assert response.status_code == 200, response.json
        return center_no

    def filing(self, center_no: str) -> dict:
        response = self.get(f"/collection-filings/{center_no}")
        assert response.status_code == 200, response.json
        return response.json


def tick(minutes: int = 5):
    """Move the clock on by `minutes` and run the customs simulator once (S-5)."""
    clock.set_fixed_now(clock.now() + timedelta(minutes=minutes))
    return customs_tick(db.session)


def approved(company, **body) -> str:
    center_no = company.declared(**body)
    tick()
    assert company.filing(center_no)["status"] == "APPROVED"
    return center_no
