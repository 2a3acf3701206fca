"""Owners' objections (异议) to published notice-board items: filed, answered, accepted or escalated, decided."""
