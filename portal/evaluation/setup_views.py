"""Pages of the evaluation (see portal/evaluation/views.py): filled in by its part of the feature."""
from portal.evaluation.views import bp  # noqa: F401
