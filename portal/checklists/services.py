"""The three lists: seeding the defaults, drafting, validating, publishing and freezing versions."""
from __future__ import annotations

import logging
from decimal import Decimal

import sqlalchemy as sa

from portal.audit.services import record
from portal.checklists.defaults import DEFAULTS
from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion, ListKind, VersionStatus
from portal.db import utcnow
from portal.extensions import db

logger = logging.getLogger(__name__)


def _build_version(tenant, kind: ListKind, number: int, sections, actor=None, note: str = "") -> ChecklistVersion:
    version = ChecklistVersion(tenant_id=tenant.id, kind=kind, number=number, note=note,
                               created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    for s_pos, (code, title_zh, title_en, weight, items) in enumerate(sections):
        section = ChecklistSection(tenant_id=tenant.id, version_id=version.id, position=s_pos, code=code,
                                   title_zh=title_zh, title_en=title_en,
                                   weight=Decimal(weight) if weight is not None else None)
        db.session.add(section)
        db.session.flush()
        for i_pos, item in enumerate(items):
            grades = item.get("grades") or ["", "", ""]
            threshold = item.get("threshold") or {}
            db.session.add(ChecklistItem(
                tenant_id=tenant.id, section_id=section.id, position=i_pos, code=item["code"],
                text_zh=item["text_zh"], text_en=item.get("text_en", ""), evidence=item.get("evidence", ""),
                grade1=grades[0], grade2=grades[1], grade3=grades[2], to_verify=bool(item.get("to_verify")),
                threshold_area=threshold.get("area", ""), threshold_headcount=threshold.get("headcount", ""),
                threshold_strict=bool(threshold.get("strict", False)),
            ))
    db.session.flush()
    return version


def seed_defaults(tenant, actor=None) -> list[ChecklistVersion]:
    """Publish version 1 of each list from the shipped defaults, for a tenant that has none yet."""
    created = []
    for kind in ListKind:
        exists = db.session.scalar(sa.select(ChecklistVersion.id).where(ChecklistVersion.kind == kind).limit(1))
        if exists is not None:
            continue
        version = _build_version(tenant, kind, 1, DEFAULTS[kind.value], actor, note="default content")
        version.status = VersionStatus.PUBLISHED
        version.published_at = utcnow()
        version.published_by_id = getattr(actor, "id", None)
        record(tenant=tenant, actor=actor, action="checklist.published", object_type="checklist_version",
               object_id=version.id, summary=f"{kind.value} v1 (defaults)")
        created.append(version)
    db.session.flush()
    return created


def current_version(kind: ListKind) -> ChecklistVersion | None:
    """The published version of ``kind`` in the current tenant."""
    return db.session.scalar(sa.select(ChecklistVersion).where(
        ChecklistVersion.kind == kind, ChecklistVersion.status == VersionStatus.PUBLISHED))
