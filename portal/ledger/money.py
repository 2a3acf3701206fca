"""Yuan typed by people ("1,234.50", "１２３４.５") to integer fen: Decimal in, int out, never float (shown back by portal.money)."""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l

from portal.domain import DomainError

# 一亿元 (100 million yuan) per entry: a typo of many digits is refused before it reaches a sum.
MAX_FEN = 100_000_000 * 100
_AMOUNT_RE = re.compile(r"^[0-9]{1,3}(,[0-9]{3})+(\.[0-9]*)?$|^[0-9]+(\.[0-9]*)?$")


class AmountError(DomainError):
    """An amount that cannot be taken; ``field`` names the form or JSON field."""


def parse_yuan(value, field: str = "amount") -> int:
    """Fen from a yuan amount: digits with optional thousands commas and at most two decimals.

    Refuses blanks, negatives, more than two decimals, exponents and amounts above MAX_FEN, each
    with a message naming the rule (the view adds the field's label)."""
    if isinstance(value, bool):
        raise AmountError(field, _l("Enter an amount in yuan, e.g. 1,234.50."))
    if isinstance(value, int):
        text = str(value)
    elif isinstance(value, Decimal):
        text = format(value, "f")
    elif isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace("，", ",").replace("¥", "").replace("元", "").strip()
    else:
        raise AmountError(field, _l("Enter an amount in yuan, e.g. 1,234.50."))
    if not text:
        raise AmountError(field, _l("Enter the amount in yuan."))
    if text.startswith("-"):
        raise AmountError(field, _l("The amount must be positive; to correct an entry, reverse it."))
    if not _AMOUNT_RE.match(text):
        raise AmountError(field, _l("Enter an amount in yuan with digits only, e.g. 1,234.50."))
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise AmountError(field, _l("Enter an amount in yuan with digits only, e.g. 1,234.50.")) from None
    if amount.as_tuple().exponent < -2 and amount != amount.quantize(Decimal("0.01")):
        raise AmountError(field, _l("At most two decimals (fen)."))
    fen = int(amount * 100)
    if fen <= 0:
        raise AmountError(field, _l("The amount must be more than zero."))
    if fen > MAX_FEN:
        raise AmountError(field, _l("At most 100,000,000 yuan per entry."))
    return fen
