"""Checks a feature adds to every restore drill, beyond equal rows and files (e.g. hash chains that verify).

A feature registers a function that takes a SQLAlchemy connection to the *restored* database and returns
``(ok, problems)``: how many things it verified (e.g. chains) and a line for each that failed. The drill
prints the sum of ``ok`` as ``chains_ok`` and counts every problem as a mismatch::

    from portal.backup.verifiers import register

    @register("notice_board_chains")
    def _chains(connection):
        ...
        return ok_count, problems

Register at import time of the feature's models or services (the app imports every model at start).
"""
from __future__ import annotations

from typing import Callable

import sqlalchemy as sa

Verifier = Callable[[sa.Connection], tuple[int, list[str]]]
VERIFIERS: dict[str, Verifier] = {}


def register(name: str) -> Callable[[Verifier], Verifier]:
    def decorate(function: Verifier) -> Verifier:
        VERIFIERS[name] = function
        return function

    return decorate


def run_all(connection: sa.Connection) -> tuple[int, list[str]]:
    from tenants.context import across_tenants

    ok, problems = 0, []
    with across_tenants("restore drill: feature verifiers read every tenant"):
        for name, verifier in sorted(VERIFIERS.items()):
            try:
                count, found = verifier(connection)
            except Exception as error:  # noqa: BLE001  (a verifier that crashes is a failed check)
                count, found = 0, [f"{type(error).__name__}: {error}"]
            ok += count
            problems.extend(f"{name}: {line}" for line in found)
    return ok, problems
