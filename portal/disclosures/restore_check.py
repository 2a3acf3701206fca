"""The restore drill's check of the notice boards: every board's hash chain holds in the restored database.

Equal row hashes prove the restore copied the rows; this proves what the public verification page would
say of them, so a backup taken of an already-tampered database is reported too.
"""
from __future__ import annotations

import itertools

import sqlalchemy as sa

from portal.backup.verifiers import register
from portal.disclosures.chain import first_broken_link
from portal.disclosures.models import BoardVersion, NoticeBoard
from portal.disclosures.services import CHAIN_COLUMNS


@register("notice_board_chains")
def board_chains_hold(connection: sa.Connection) -> tuple[int, list[str]]:
    versions = BoardVersion.__table__
    heads = dict((board_id, (seq, digest)) for board_id, seq, digest in connection.execute(
        sa.select(NoticeBoard.__table__.c.id, NoticeBoard.__table__.c.head_seq, NoticeBoard.__table__.c.head_hash)))
    rows = connection.execute(sa.select(*[versions.c[name] for name in CHAIN_COLUMNS])
                              .order_by(versions.c.board_id, versions.c.seq)).mappings()
    by_board = {board_id: list(group) for board_id, group in itertools.groupby(rows, key=lambda row: row["board_id"])}
    problems = []
    for board_id, head in sorted(heads.items()):
        broken = first_broken_link(board_id, by_board.get(board_id, []), head=head)
        if broken is not None:
            problems.append(broken.describe())
    return len(heads) - len(problems), problems
