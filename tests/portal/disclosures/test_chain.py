"""The hash chain: publishing appends, corrections need a reason, versions cannot change, the verifier holds."""
from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa

from portal.disclosures import services
from portal.disclosures.chain import canonical_json, first_broken_link, version_hash
from portal.disclosures.content import DisclosureError
from portal.disclosures.models import BoardSection, BoardVersion
from portal.extensions import db
from tests.portal.disclosures.helpers import NOW, SAMPLE, in_tenant, publish_all, tenant_of


def test_canonical_json_is_sorted_compact_utf8():
    assert canonical_json({"b": 1, "a": "物业", "c": [1, {"z": 0, "y": None}]}) == \
        '{"a":"物业","b":1,"c":[1,{"y":null,"z":0}]}'
    with pytest.raises(ValueError):
        canonical_json({"x": float("nan")})


def test_publish_builds_a_chain_that_verifies(app_ctx, world):
    with in_tenant(world.a):
        board = publish_all(tenant_of(world.a))
        versions = services.versions_of(board)
        assert [v.seq for v in versions] == list(range(1, 13))
        assert versions[0].prev_hash == ""
        assert all(later.prev_hash == earlier.hash for earlier, later in zip(versions, versions[1:]))
        assert (board.head_seq, board.head_hash) == (12, versions[-1].hash)
        assert services.verify_board(board) is None
        assert json.loads(versions[2].content)["rows"][0]["price_fen"] == 85


def test_correction_needs_a_reason_and_changes_nothing_published(app_ctx, world):
    with in_tenant(world.a):
        tenant = tenant_of(world.a)
        board = publish_all(tenant)
        data = {"rows": [dict(SAMPLE[BoardSection.PARKING]["rows"][0], spaces=121)]}
        with pytest.raises(DisclosureError) as refused:
            services.publish(tenant=tenant, actor=None, board=board, section=BoardSection.PARKING, data=data,
                             correction=True, now=NOW + dt.timedelta(hours=1))
        assert refused.value.field == "reason"
        version = services.publish(tenant=tenant, actor=None, board=board, section=BoardSection.PARKING, data=data,
                                   correction=True, reason="车位数录错", now=NOW + dt.timedelta(hours=1))
        assert version.seq == 13 and version.is_correction and version.reason == "车位数录错"
        assert services.verify_board(board) is None
        with pytest.raises(DisclosureError):  # the same content again: nothing to publish
            services.publish(tenant=tenant, actor=None, board=board, section=BoardSection.PARKING, data=data,
                             now=NOW + dt.timedelta(hours=2))


def test_orm_refuses_to_change_or_delete_a_published_version(app_ctx, world):
    with in_tenant(world.a):
        board = publish_all(tenant_of(world.a))
        version = services.versions_of(board)[0]
        version.content = "{}"
        with pytest.raises(services.ImmutableVersion):
            db.session.flush()
        db.session.rollback()
    with in_tenant(world.a):
        board = publish_all(tenant_of(world.a))
        db.session.delete(services.versions_of(board)[0])
        with pytest.raises(services.ImmutableVersion):
            db.session.flush()
        db.session.rollback()


def test_verifier_names_the_first_broken_link():
    rows, previous = [], ""
    for seq in (1, 2, 3):
        row = {"tenant_id": 1, "board_id": 7, "seq": seq, "section": "fees", "content": '{"rows":[]}',
               "is_correction": False, "reason": "", "published_at": NOW, "publisher": "x", "prev_hash": previous}
        row["hash"] = version_hash(row)
        previous = row["hash"]
        rows.append(row)
    assert first_broken_link(7, rows, head=(3, previous)) is None
    rows[1] = dict(rows[1], content='{"rows":[1]}')
    broken = first_broken_link(7, rows, head=(3, previous))
    assert (broken.seq, broken.problem) == (2, "hash")
    assert first_broken_link(7, rows[:2], head=(3, previous)).problem in ("hash", "head")
