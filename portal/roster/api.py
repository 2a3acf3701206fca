"""JSON API of the roster feature (documented through OPENAPI_OPERATIONS, see portal/api/openapi.py)."""
from __future__ import annotations

from flask import Blueprint

api_bp = Blueprint("roster_api", __name__, url_prefix="/api/v1/t/<tenant_slug>")

OPENAPI_OPERATIONS: list = []
OPENAPI_SCHEMAS: dict = {}
