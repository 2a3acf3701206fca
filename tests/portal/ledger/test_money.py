"""Yuan to fen exactly, and no float anywhere in the ledger's money paths."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.ledger import models
from portal.ledger.money import MAX_FEN, AmountError, parse_yuan
from portal.money import yuan, yuan_plain

LEDGER = Path(models.__file__).resolve().parent


@pytest.mark.parametrize("text, fen", [
    ("1,234.50", 123450), ("1234.5", 123450), ("0.01", 1), ("12", 1200), ("１２３４.５", 123450), ("¥88.80", 8880),
    ("1,000,000", 100000000), ("0.10", 10), ("7.", 700), ("100000000", MAX_FEN), ("3.000", 300),
])
def test_yuan_is_read_exactly(text, fen):
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text, rule", [
    ("", "Enter the amount"), ("-5", "positive"), ("1.005", "two decimals"), ("0", "more than zero"),
    ("0.00", "more than zero"), ("100000000.01", "100,000,000"), ("1e5", "digits only"), ("12,34", "digits only"),
    ("abc", "digits only"), ("1.2.3", "digits only"), ("NaN", "digits only"), ("Infinity", "digits only"),
    ("9" * 30, "100,000,000"),
])
def test_bad_amounts_are_refused_with_the_rule(app_ctx, text, rule):
    with pytest.raises(AmountError) as caught:
        parse_yuan(text)
    assert rule in str(caught.value.message)
    assert caught.value.field == "amount"


def test_fen_are_shown_as_yuan():
    assert yuan(123450) == "1,234.50" and yuan(-5) == "-0.05" and yuan(0) == "0.00" and yuan(100, sign=True) == "+1.00"
    assert yuan_plain(-123450) == "-1234.50" and yuan_plain(7) == "0.07"


def test_every_money_column_is_an_integer():
    money = [c for table in models.Base.metadata.tables.values() if table.name.startswith("ledger_")
             for c in table.columns if c.name.endswith("_fen")]
    assert len(money) >= 8
    for column in money:
        assert isinstance(column.type, sa.BigInteger), f"{column.table.name}.{column.name} is {column.type!r}"
    for table in (t for t in models.Base.metadata.tables.values() if t.name.startswith("ledger_")):
        for column in table.columns:
            assert not isinstance(column.type, (sa.Float, sa.Numeric)) or isinstance(column.type, sa.Integer), column


def test_no_float_in_the_ledger_package():
    """No float() call, float literal, float annotation or true division (/) in any module of portal/ledger,
    nor in portal/money.py, which shows its amounts."""
    problems = []
    for path in [*sorted(LEDGER.glob("*.py")), LEDGER.parent / "money.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            where = f"{path.name}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Name) and node.id == "float":
                problems.append(f"{where} float")
            elif isinstance(node, ast.Constant) and isinstance(node.value, float):
                problems.append(f"{where} float literal {node.value!r}")
            elif isinstance(node, (ast.BinOp, ast.AugAssign)) and isinstance(node.op, ast.Div):
                problems.append(f"{where} true division")
            elif isinstance(node, ast.Attribute) and node.attr in ("Float", "REAL", "DOUBLE"):
                problems.append(f"{where} {node.attr}")
    for template in sorted((LEDGER.parents[1] / "templates" / "ledger").glob("*.html")):
        text = template.read_text(encoding="utf-8")
        if "|float" in text or "| float" in text:
            problems.append(f"{template.name} float filter")
    assert not problems, problems
