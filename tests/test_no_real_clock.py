"""No test reads the real date or wall clock: a test that does passes today and fails on another day."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
# Wall-clock reads; durations (time.monotonic, time.perf_counter) are fine and not listed.
CLOCK_READS = {("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"), ("date", "today"),
               ("time", "time"), ("time", "time_ns")}


def _receiver_name(node: ast.expr) -> str:
    """``dt.datetime`` -> "datetime", ``date`` -> "date", ``__import__("datetime").date`` -> "date"."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _inside_freeze_time(node: ast.AST, parents: dict) -> bool:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.With):
            for item in node.items:
                call = item.context_expr
                if isinstance(call, ast.Call) and _receiver_name(call.func) == "freeze_time":
                    return True
    return False


def real_clock_reads(source: str, filename: str) -> list[str]:
    """``file:line what`` for each read of the real date or time outside a ``with freeze_time(...)`` block."""
    tree = ast.parse(source, filename)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if (_receiver_name(node.func.value), node.func.attr) in CLOCK_READS and not _inside_freeze_time(node, parents):
            found.append(f"{filename}:{node.lineno} {ast.unparse(node.func)}()")
    return found


def test_the_scanner_finds_each_way_of_reading_the_clock():
    sample = (
        "import datetime as dt, time\n"
        "from datetime import date, datetime\n"
        "a = dt.datetime.now(dt.timezone.utc)\n"
        "b = datetime.utcnow()\n"
        "c = date.today()\n"
        "d = __import__('datetime').date.today()\n"
        "e = time.time()\n"
        "f = time.monotonic()\n"  # a duration: fine
        "with freeze_time('2026-01-01'):\n"
        "    g = dt.datetime.now()\n"  # frozen: fine
    )
    found = real_clock_reads(sample, "sample.py")
    assert [line.split()[0] for line in found] == [f"sample.py:{n}" for n in (3, 4, 5, 6, 7)]


def test_no_test_reads_the_real_date():
    reads = []
    for path in sorted(TESTS.rglob("*.py")):
        reads += real_clock_reads(path.read_text(encoding="utf-8"), path.relative_to(TESTS.parent).as_posix())
    print(f"real_clock_reads={len(reads)}")
    assert not reads, ("tests that read the real date or time (freeze it at a fixed date with freezegun, "
                       "pass a fixed time, or measure durations with time.monotonic):\n  " + "\n  ".join(reads))
