"""API operations of the evaluation (see portal/evaluation/api.py): filled in by its part of the feature."""
from portal.evaluation.api import api_bp  # noqa: F401
