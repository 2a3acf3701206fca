"""The tenant's public home page and the signed-in dashboard for each role."""
