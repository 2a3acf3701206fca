"""HTML pages of the owners feature."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("owners", __name__, url_prefix="/t/<tenant_slug>")
