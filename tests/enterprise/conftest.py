"""Fixtures of the enterprise form tests."""
from __future__ import annotations

from types import SimpleNamespace

import pytest


@pytest.fixture
def clerk(make, client):
    """An enterprise administrator logged in with an account (no card)."""
    enterprise = make.enterprise()
    user = make.user(enterprise, "ent_admin")
    make.login(client, user=user)
    return SimpleNamespace(enterprise=enterprise, user=user)
