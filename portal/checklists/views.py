"""HTML pages of the checklists feature."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("checklists", __name__, url_prefix="/t/<tenant_slug>")
