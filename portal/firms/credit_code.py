"""The unified social credit code (统一社会信用代码) check character, per GB 32100-2015."""
from __future__ import annotations

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, S, V, Z
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}


def check_character(first17: str) -> str:
    """The 18th character for the 17 given ones (which must all be in the code alphabet)."""
    if len(first17) != 17 or any(ch not in _VALUE for ch in first17):
        raise ValueError("need 17 characters from the code alphabet")
    remainder = sum(_VALUE[ch] * w for ch, w in zip(first17, WEIGHTS)) % 31
    return ALPHABET[(31 - remainder) % 31]


def is_valid_credit_code(code: str) -> bool:
    code = (code or "").strip().upper()
    if len(code) != 18 or any(ch not in _VALUE for ch in code):
        return False
    return check_character(code[:17]) == code[17]


def normalise_credit_code(code: str | None) -> str:
    """As typed on forms: surrounding and inner spaces dropped, letters upper-cased."""
    return "".join((code or "").split()).upper()


def credit_code_problem(code: str) -> tuple[str, dict] | None:
    """Why a (normalised) code is not valid: ("length", {...}), ("alphabet", {...}), ("check", {...}); None if valid.

    The kinds are kept apart so a form can say "wrong format" (a length or character the standard
    never allows) differently from "wrong check character" (a well-formed code with a typing mistake).
    """
    if len(code) != 18:
        return "length", {"length": len(code)}
    for position, ch in enumerate(code, start=1):
        if ch not in _VALUE:
            return "alphabet", {"position": position, "char": ch}
    if not is_valid_credit_code(code):
        return "check", {"expected": check_character(code[:17]), "given": code[17]}
    return None
