"""Pages of the evaluation. The blueprint lives here; each part of the feature adds its pages in its own module,
imported at the bottom: setup_views (schemes, periods, methodology), scoring_views (owner scoring, moderation,
assessments, adjustments), result_views (rankings, explanations, ladder, rectification, appeals, publication)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/t/<tenant_slug>")

# Each module below registers its routes on ``bp``.
from portal.evaluation import setup_views  # noqa: E402,F401
from portal.evaluation import scoring_views  # noqa: E402,F401
from portal.evaluation import result_views  # noqa: E402,F401
