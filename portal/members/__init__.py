"""A tenant's members: who has which role, bound to which area, firm or community."""
