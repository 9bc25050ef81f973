"""Fixtures of the collection tests."""
from __future__ import annotations

import pytest

from portal import clock
from tests.collection.filing_helpers import START, Company


@pytest.fixture
def company(make, client):
    """An enterprise with an IE qualification and a card-login token, at the filing tests' start time."""
    clock.set_fixed_now(START)
    return Company(make, client)
