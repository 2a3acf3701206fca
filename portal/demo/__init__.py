"""Demo data: a county bureau tenant and a property-firm tenant, with a user in every role."""
