"""HTML pages of the roster feature."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("roster", __name__, url_prefix="/t/<tenant_slug>")
