"""Figures the API tests report: printed at once (``pytest -s``) and repeated in the terminal summary."""
from __future__ import annotations

REPORTED: list[str] = []


def report_line(*lines: str) -> None:
    for line in lines:
        print(line)
        REPORTED.append(line)


def pytest_terminal_summary(terminalreporter):
    for line in REPORTED:
        terminalreporter.write_line(line)
