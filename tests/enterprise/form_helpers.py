"""Helpers of the enterprise form tests: post a filing form as a browser does, read its fields and errors."""
from __future__ import annotations

import re
from html.parser import HTMLParser

from sqlalchemy import select

from portal.extensions import db
from portal.models import Application
from tests.factories import csrf_token

NEW_FILING = "/q/filing/new"


class Elements(HTMLParser):
    """Collect the attributes of every element with an id or a name, and the text after each id'd element."""

    def __init__(self, html: str):
        super().__init__()
        self.by_id: dict[str, dict] = {}
        self.names: dict[str, list[dict]] = {}
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = {**dict(attrs), "tag": tag}
        if "id" in attributes:
            self.by_id[attributes["id"]] = attributes
        if "name" in attributes:
            self.names.setdefault(attributes["name"], []).append(attributes)


def form_fields(body: dict) -> dict:
    """Return the form inputs a filled-in filing form posts for an API body."""
    data = {"qualification_types": list(body.get("qualification_types") or ())}
    for name, value in (body.get("enterprise") or {}).items():
        data[f"enterprise.{name}"] = ("1" if value else "0") if name == "express_operator" else value
    for section in ("management_personnel", "investors", "declaration_personnel", "external_licenses"):
        for index, row in enumerate(body.get(section) or ()):
            for name, value in row.items():
                data[f"{section}[{index}].{name}"] = value
    return data


def post_form(client, url: str, body: dict, action: str, **extra):
    """Post a filing form with its CSRF token, as the 暂存 / 提交 buttons do."""
    data = {**form_fields(body), "action": action, "csrf_token": csrf_token(client, url), **extra}
    return client.post(url, data=data, content_type="multipart/form-data")


def summary_rules(html: str) -> set[str]:
    """Return the rule ids listed in the error summary at the top of the form."""
    match = re.search(r'id="error-summary".*?</ol>', html, re.S)
    assert match, "no error summary on the page"
    return set(re.findall(r'badge-danger">([A-Z]-\d+)<', match.group(0)))


def only_application() -> Application:
    db.session.expire_all()
    rows = db.session.scalars(select(Application)).all()
    assert len(rows) == 1
    return rows[0]
