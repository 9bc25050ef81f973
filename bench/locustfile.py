"""The clerks of bench/load.py: each logs in with an enterprise's card (a page session and an API token),
then browses and searches the admin list of its lists, exports it, lists lists through the API, and saves
and declares lists. Run by bench/load.py; not meant to be started by hand.

Environment: LOAD_ENTERPRISES (a JSON file of {"card_no", "pin", "volume"}), LOAD_DECLARED (where the
center numbers of the declared lists are written at the end)."""
from __future__ import annotations

import itertools
import json
import os
import re

from locust import HttpUser, between, events, task

with open(os.environ["LOAD_ENTERPRISES"]) as handle:
    ENTERPRISES = json.load(handle)
NEXT = itertools.count()
DECLARED: list[str] = []
ITEMS = [{"filing_seq": 1, "qty": "10", "unit_price": "2.5", "currency": "USD", "country": "AUS"},
         {"filing_seq": 2, "qty": "3", "unit_price": "1000", "currency": "USD", "country": "AUS"}]
ROAD = {"transport_mode": "4", "packages": 3, "gross_weight": "120.5", "net_weight": "100"}


class Clerk(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self):
        self.me = ENTERPRISES[next(NEXT) % len(ENTERPRISES)]
        page = self.client.get("/login", name="login page")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
        self.client.post("/login", data={"mode": "card", "card_no": self.me["card_no"], "pin": self.me["pin"],
                                         "csrf_token": token}, name="login", allow_redirects=False)
        answer = self.client.post("/api/v1/tokens", json={"card_no": self.me["card_no"], "pin": self.me["pin"]},
                                  name="api token")
        self.headers = {"Authorization": "Bearer " + answer.json()["token"]}

    @task(4)
    def browse_list_view(self):
        self.client.get("/admin/list_heads/", name="admin list view")

    @task(2)
    def search_list_view(self):
        self.client.get("/admin/list_heads/?search=C", name="admin list search")

    @task(1)
    def export_list_view(self):
        self.client.get("/admin/list_heads/export/csv/", name="admin export csv")

    @task(2)
    def api_lists(self):
        self.client.get("/api/v1/lists?limit=20", headers=self.headers, name="api lists")

    @task(1)
    def code_search(self):
        self.client.get("/api/v1/codes/customs?q=53", name="api code search")

    @task(2)
    def declare_list(self):
        body = {"list_type": "IMPORT_GENERAL", "customs_code": "5300", "filing_no": self.me["volume"], **ROAD,
                "items": ITEMS}
        saved = self.client.post("/api/v1/lists", json=body, headers=self.headers, name="api save list")
        if saved.status_code != 201:
            return
        center_no = saved.json()["center_no"]
        declared = self.client.post(f"/api/v1/lists/{center_no}/declare", headers=self.headers,
                                    name="api declare list")
        if declared.status_code == 200:
            DECLARED.append(center_no)


@events.test_stop.add_listener
def _write_declared(environment, **_kwargs):
    with open(os.environ["LOAD_DECLARED"], "w") as handle:
        json.dump(DECLARED, handle)
