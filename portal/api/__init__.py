"""The integration API under /api/v1 (A-1..A-3)."""
from flask import Blueprint

bp = Blueprint("api", __name__)

from portal.api import base  # noqa: E402,F401  (token auth, openapi)
from portal.api import codes  # noqa: E402,F401
from portal.api import accounts  # noqa: E402,F401
from portal.api import qualification  # noqa: E402,F401
from portal.api import collection_filings  # noqa: E402,F401
from portal.api import lists  # noqa: E402,F401
from portal.api import aggregation  # noqa: E402,F401
from portal.api import messages  # noqa: E402,F401
