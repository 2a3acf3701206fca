"""The platform administrator's area, outside any tenant: tenants and their first administrators."""
