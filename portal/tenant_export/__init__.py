"""A tenant's data, whole: export as a ZIP (data portability), soft delete with a grace period, purge, import."""
