"""HTML pages of the communities feature."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("communities", __name__, url_prefix="/t/<tenant_slug>")
