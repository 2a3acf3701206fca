"""Owners: claim codes, binding an account to a unit, and what an owner sees of their community."""
