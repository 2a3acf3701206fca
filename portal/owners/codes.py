"""Claim-code values: generated from a CSPRNG, typed by people, looked up by hash."""
from __future__ import annotations

import hashlib
import math
import secrets

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B, U/V: nothing a person can misread on a printed slip.
ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
GROUPS = 3
GROUP_LENGTH = 5
LENGTH = GROUPS * GROUP_LENGTH
BITS = LENGTH * math.log2(len(ALPHABET))  # ≈ 67.9 bits, above the 64 the issue asks for


def generate_code() -> str:
    """A new code such as ``K7QRA-3MXTD-9FHWC``."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i:i + GROUP_LENGTH] for i in range(0, LENGTH, GROUP_LENGTH))


def normalise_code(text: str) -> str:
    """What a person typed, reduced to the code's characters: case, spaces and dashes do not matter."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())


def looks_like_code(text: str) -> bool:
    value = normalise_code(text)
    return len(value) == LENGTH and all(ch in ALPHABET for ch in value)


def hash_code(text: str) -> str:
    return hashlib.sha256(normalise_code(text).encode("ascii", "ignore")).hexdigest()
