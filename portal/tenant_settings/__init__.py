"""The tenant administrator's settings of their own tenant (what the platform administrator does not set)."""
