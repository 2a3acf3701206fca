"""The canonical JSON form of a published version and the hash chain of a board (docs/notice-boards.md).

Pure functions: the verifier reads rows as plain mappings, so it checks what the database holds, not
what an ORM object remembers.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Iterable, Mapping

CHAIN_FORMAT = 1
GENESIS = ""  # the previous hash of a board's first version


def canonical_json(value) -> str:
    """Sorted keys, UTF-8 characters as themselves, no whitespace; ints stay ints (money is fen)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def iso_utc(moment: dt.datetime) -> str:
    """A publication time as the chain writes it: UTC, whole seconds, ``Z``."""
    return moment.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def hashed_payload(row: Mapping) -> dict:
    """What a version's hash covers: every column that says what was published, when, by whom, after what."""
    return {
        "format": CHAIN_FORMAT,
        "tenant_id": row["tenant_id"],
        "board_id": row["board_id"],
        "seq": row["seq"],
        "section": getattr(row["section"], "value", row["section"]),
        "content": row["content"],
        "is_correction": bool(row["is_correction"]),
        "reason": row["reason"],
        "published_at": iso_utc(row["published_at"]),
        "publisher": row["publisher"],
        "prev_hash": row["prev_hash"],
    }


def version_hash(row: Mapping) -> str:
    """SHA-256 (hex) of the canonical JSON of ``hashed_payload(row)``, UTF-8 encoded."""
    return hashlib.sha256(canonical_json(hashed_payload(row)).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class BrokenLink:
    """The first place a board's chain does not hold."""

    board_id: int
    seq: int
    problem: str  # 'sequence', 'link', 'hash', 'content'

    def describe(self) -> str:
        return f"board {self.board_id} version {self.seq}: {self.problem}"


def first_broken_link(board_id: int, rows: Iterable[Mapping], head: tuple[int, str] | None = None) -> BrokenLink | None:
    """Walk ``rows`` (one board's versions, ordered by seq) and name the first link that does not hold.

    ``head``: the (seq, hash) the board records for its newest version; a chain that stops short of it
    (versions removed at the end) or passes it is broken at the head.
    """
    previous = GENESIS
    expected_seq = 1
    for row in rows:
        if row["seq"] != expected_seq or row["board_id"] != board_id:
            return BrokenLink(board_id, row["seq"], "sequence")
        if row["prev_hash"] != previous:
            return BrokenLink(board_id, row["seq"], "link")
        try:
            json.loads(row["content"])
            recomputed = version_hash(row)
        except (ValueError, TypeError, AttributeError, KeyError):
            return BrokenLink(board_id, row["seq"], "content")
        if recomputed != row["hash"]:
            return BrokenLink(board_id, row["seq"], "hash")
        previous = row["hash"]
        expected_seq += 1
    if head is not None and (expected_seq - 1, previous) != tuple(head):
        return BrokenLink(board_id, expected_seq, "head")
    return None
