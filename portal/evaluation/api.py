"""JSON API of the evaluation (flask-smorest). The blueprint lives here; each part adds its operations in its own
module, imported at the bottom: setup_api, scoring_api, result_api."""
from __future__ import annotations

from portal.api.framework import ApiBlueprint

api_bp = ApiBlueprint("evaluation_api", __name__,
                      description="Comprehensive evaluation: schemes, periods, owner scores, assessments, results, appeals.")

from portal.evaluation import setup_api  # noqa: E402,F401
from portal.evaluation import scoring_api  # noqa: E402,F401
from portal.evaluation import result_api  # noqa: E402,F401
