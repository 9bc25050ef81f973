"""Builder functions for test data (Indico style): enterprises, users, cards, tokens, qualifications."""
from __future__ import annotations

import itertools
import re
from datetime import date

from portal.auth.passwords import hash_secret
from portal.extensions import db
from rules.identifiers import make_id_card, make_uscc

_serial = itertools.count(1)
PASSWORD = "Passw0rd!"
PIN = "123456"


def csrf_token(client, url: str = "/login") -> str:
    """Fetch a page and return the CSRF token printed in its form."""
    html = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or \
        re.search(r'id="csrf_token"[^>]*value="([^"]+)"', html)
    assert match, f"no CSRF token on {url}"
    return match.group(1)


class Builder:
    """Creates committed records; each call returns the new object."""

    def __init__(self, app):
        self.app = app

    def enterprise(self, name: str | None = None, **values):
        from portal.models import Enterprise
        n = next(_serial)
        uscc = values.pop("uscc", None) or make_uscc("91440305", n)  # tests pick targets under 91440300
        defaults = {"name_zh": name or f"测试企业{n}有限公司", "region_code": "440304", "customs_code": "5300",
                    "market_entity_type_code": "1100", "org_code": uscc[8:17]}
        defaults.update(values)
        ent = Enterprise(uscc=uscc, **defaults)
        db.session.add(ent)
        db.session.commit()
        return ent

    def user(self, enterprise=None, role: str = "ent_admin", username: str | None = None, **values):
        from portal.models import User
        n = next(_serial)
        user = User(username=username or f"user{n}", password_hash=hash_secret(values.pop("password", PASSWORD)),
                    name=values.pop("name", f"用户{n}"), role=role,
                    enterprise_id=enterprise.id if enterprise is not None else None,
                    id_type="ID_CARD", id_no=make_id_card("440304", "19900101", n % 1000), **values)
        db.session.add(user)
        db.session.commit()
        return user

    def card(self, user, card_type: str = "OPERATOR", pin: str = PIN, **values):
        from portal.models import Card
        n = next(_serial)
        card = Card(card_no=values.pop("card_no", f"CARD{n:08d}"), card_type=card_type, user_id=user.id,
                    enterprise_id=user.enterprise_id, holder_name=user.name, holder_id_type=user.id_type or "ID_CARD",
                    holder_id_no=user.id_no or make_id_card("440304", "19900101", n % 1000),
                    pin_hash=hash_secret(pin), **values)
        db.session.add(card)
        db.session.commit()
        return card

    def qualification(self, enterprise, qualification_type: str = "IE", status: str = "VALID",
                      filed: date = date(2020, 1, 1), valid_until: date | None = None, code: str | None = None):
        from portal.models import Qualification
        q = Qualification(enterprise_id=enterprise.id, qualification_type=qualification_type, status=status,
                          filed_date=filed, valid_until=valid_until, registration_code=code)
        db.session.add(q)
        db.session.commit()
        return q

    def token(self, client, user=None, card=None, pin: str = PIN, password: str = PASSWORD) -> dict:
        """Log in through the API and return the Authorization header."""
        body = {"card_no": card.card_no, "pin": pin} if card is not None else \
            {"username": user.username, "password": password}
        response = client.post("/api/v1/tokens", json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return {"Authorization": "Bearer " + response.json["token"]}

    def login(self, client, user=None, card=None, pin: str = PIN, password: str = PASSWORD):
        """Log in through the login page (account or card tab)."""
        token = csrf_token(client, "/login")
        if card is not None:
            data = {"mode": "card", "card_no": card.card_no, "pin": pin, "csrf_token": token}
        else:
            data = {"mode": "account", "username": user.username, "password": password, "csrf_token": token}
        response = client.post("/login", data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response
