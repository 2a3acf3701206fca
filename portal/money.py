"""Integer fen shown as yuan, exactly (integer arithmetic, never float): one formatting for every page and file."""
from __future__ import annotations


def yuan(fen: int | None, *, sign: bool = False) -> str:
    """Fen shown as yuan with thousands separators: 123450 -> "1,234.50" (integer arithmetic only)."""
    fen = int(fen or 0)
    negative = fen < 0
    whole, cents = divmod(abs(fen), 100)
    text = f"{whole:,}.{cents:02d}"
    if negative:
        return "-" + text
    return ("+" + text) if sign and fen > 0 else text


def yuan_plain(fen: int | None) -> str:
    """Fen as a plain decimal string for open data: 123450 -> "1234.50" (exact; no separators)."""
    fen = int(fen or 0)
    whole, cents = divmod(abs(fen), 100)
    return f"{'-' if fen < 0 else ''}{whole}.{cents:02d}"
