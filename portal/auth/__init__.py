"""Accounts, login, sessions that really end, and password handling."""
