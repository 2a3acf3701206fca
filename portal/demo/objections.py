"""Demo objections in gaotang: the demo owner of 金城花园 1号楼 101 has one the firm answered and the owner
accepted, and one the firm has left unanswered past its due date (overdue). Loaded once (idempotent)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from portal.db import utcnow
from portal.disclosures import services as boards
from portal.disclosures.models import BoardSection
from portal.extensions import db
from portal.objections import services
from portal.objections.models import Objection


def load_objections(tenant, community, owner, answerer) -> int:
    """File the demo owner's objections on ``community``'s current board (none if they already have one)."""
    if db.session.scalar(sa.select(sa.func.count(Objection.id)).where(Objection.owner_id == owner.id)):
        return 0
    board = services.current_board(community.id)
    if board is None:
        return 0
    latest = boards.latest_versions([board.id])[board.id]
    now = utcnow().replace(microsecond=0)
    settled_at = now - dt.timedelta(days=20)
    settled = services.file_objection(
        tenant=tenant, actor=owner, version=latest[BoardSection.IDENTITY], row_index=None, now=settled_at,
        reason="公示的24小时服务热线晚上打不通，请核实号码是否有误。")
    services.answer(tenant=tenant, actor=answerer, objection=settled, now=settled_at + dt.timedelta(days=2),
                    text="经核实，夜间热线已转接至值班手机，已安排专人值守；号码无误。感谢监督。")
    services.accept(tenant=tenant, actor=owner, objection=settled, now=settled_at + dt.timedelta(days=3))
    late_at = now - dt.timedelta(days=16)  # well past five working days, whatever holidays fall between
    services.file_objection(
        tenant=tenant, actor=owner, version=latest[BoardSection.FEES], row_index=0, now=late_at,
        reason="公示的物业服务费单价与合同约定不一致，合同约定为每平方米每月0.80元。")
    db.session.flush()
    return 2
