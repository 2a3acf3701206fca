"""The three lists: seeding the defaults, drafting, validating, publishing and freezing versions.

Rules every change goes through (HTML forms, the JSON API and the CLI alike):

* only a draft that is not frozen can change; published and superseded versions are read-only,
  and a frozen version (adopted by an evaluation period) never changes and is never deleted;
* one open draft per list; a new draft copies the published version (or the shipped defaults);
* weights (lists A and C only) are numbers from 0 to 100 with at most two decimals, and must sum
  to exactly 100 at publication (intermediate drafts may hold any sum);
* section codes and item codes are unique within a version; texts are never empty;
* list B has no weights; its assembly thresholds are fractions such as 1/2, 2/3, 3/4.
"""
from __future__ import annotations

import logging
import re
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.checklists.defaults import DEFAULTS
from portal.checklists.models import ChecklistItem, ChecklistSection, ChecklistVersion, ListKind, VersionStatus
from portal.db import utcnow
from portal.domain import DomainError
from portal.extensions import db
from tenants.roles import Role

logger = logging.getLogger(__name__)

HUNDRED = Decimal(100)
GRADES = ("grade1", "grade2", "grade3")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,15}$")
FRACTION_RE = re.compile(r"^([1-9][0-9]?)/([1-9][0-9]?)$")
# Who may read drafts (bureau staff read everything; only the administrator edits).
DRAFT_READERS = frozenset({Role.BUREAU_ADMIN, Role.BUREAU_STAFF})


class ChecklistError(DomainError):
    """A rule broken by a change to a list; ``field`` names the form or JSON field (None: the whole request)."""

    status = 400


class NotEditable(ChecklistError):
    """The version is published, superseded or frozen: nothing in it may change (HTTP 409)."""

    status = 409
    code = "read_only"


class DraftExists(ChecklistError):
    """A list has at most one open draft; ``draft`` is the one that is open (HTTP 409)."""

    status = 409
    code = "draft_exists"

    def __init__(self, draft: ChecklistVersion):
        super().__init__(None, _l("List %(kind)s already has an open draft (version %(number)s); continue that one.",
                                  kind=draft.kind.value, number=draft.number))
        self.draft = draft


class PublishRefused(ChecklistError):
    """The draft breaks publication rules; ``problems`` lists every one of them (under ``draft`` in JSON)."""

    status = 422
    code = "publish_refused"
    problems_field = "draft"

    def __init__(self, problems: list[str]):
        super().__init__(None, " ".join(str(p) for p in problems))
        self.problems = problems


# ----------------------------------------------------------------------------- formatting


def format_weight(value: Decimal | None) -> str:
    """20.00 -> "20", 12.50 -> "12.5"; no exponent notation."""
    if value is None:
        return ""
    text = format(Decimal(value).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def threshold_text(item: ChecklistItem, locale: str = "zh") -> str:
    """The approval threshold of an assembly matter in words, e.g. 专有部分面积过半数且人数过半数."""
    area, head = item.threshold_area, item.threshold_headcount
    if not area or not head:
        return ""
    english = locale.startswith("en")
    if item.threshold_strict and area == head == "1/2":
        return ("More than half of the exclusive floor area and more than half of the owners" if english
                else "专有部分面积过半数且人数过半数")
    op = ">" if item.threshold_strict else "≥"
    if english:
        word = "more than" if item.threshold_strict else "at least"
        return f"{word} {area} of the floor area and {word} {head} of the owners".capitalize()
    return f"{op}{area} 面积且 {op}{head} 人数"


def sees_drafts(memberships) -> bool:
    return any(m.is_active and m.role in DRAFT_READERS for m in memberships)


# ----------------------------------------------------------------------------- reading


def current_version(kind: ListKind) -> ChecklistVersion | None:
    """The published version of ``kind`` in the current tenant."""
    return db.session.scalar(sa.select(ChecklistVersion).where(
        ChecklistVersion.kind == kind, ChecklistVersion.status == VersionStatus.PUBLISHED))


def open_draft(kind: ListKind) -> ChecklistVersion | None:
    return db.session.scalar(sa.select(ChecklistVersion).where(
        ChecklistVersion.kind == kind, ChecklistVersion.status == VersionStatus.DRAFT))


def versions_query(kind: ListKind | None = None, *, include_drafts: bool = True) -> sa.Select:
    """The current tenant's versions, by list and newest first."""
    stmt = sa.select(ChecklistVersion).order_by(ChecklistVersion.kind, ChecklistVersion.number.desc())
    if kind is not None:
        stmt = stmt.where(ChecklistVersion.kind == kind)
    if not include_drafts:
        stmt = stmt.where(ChecklistVersion.status != VersionStatus.DRAFT)
    return stmt


def versions(kind: ListKind | None = None, *, include_drafts: bool = True) -> list[ChecklistVersion]:
    """The current tenant's versions, by list and newest first."""
    return list(db.session.scalars(versions_query(kind, include_drafts=include_drafts)))


def sections_of(version: ChecklistVersion) -> list[ChecklistSection]:
    """Fresh from the database (the relationship collection may predate this request's changes)."""
    return list(db.session.scalars(sa.select(ChecklistSection).where(ChecklistSection.version_id == version.id)
                                   .order_by(ChecklistSection.position, ChecklistSection.id)))


def items_of(section: ChecklistSection) -> list[ChecklistItem]:
    return list(db.session.scalars(sa.select(ChecklistItem).where(ChecklistItem.section_id == section.id)
                                   .order_by(ChecklistItem.position, ChecklistItem.id)))


def version_of(section: ChecklistSection) -> ChecklistVersion:
    return db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == section.version_id))


def section_of(item: ChecklistItem) -> ChecklistSection:
    return db.session.scalar(sa.select(ChecklistSection).where(ChecklistSection.id == item.section_id))


def weight_sum(version: ChecklistVersion) -> Decimal:
    return sum((s.weight or Decimal(0) for s in sections_of(version)), Decimal(0))


def describe_version(version: ChecklistVersion) -> dict:
    return {"kind": version.kind.value, "number": version.number, "status": version.status.value,
            "frozen": version.frozen_at is not None}


def version_data(version: ChecklistVersion) -> dict:
    """The whole content of a version as plain data (export, API, copies)."""
    sections = []
    for section in sections_of(version):
        items = []
        for item in items_of(section):
            items.append({
                "code": item.code, "text_zh": item.text_zh, "text_en": item.text_en, "evidence": item.evidence,
                "grade1": item.grade1, "grade2": item.grade2, "grade3": item.grade3, "to_verify": item.to_verify,
                "threshold_area": item.threshold_area, "threshold_headcount": item.threshold_headcount,
                "threshold_strict": item.threshold_strict,
            })
        sections.append({"code": section.code, "title_zh": section.title_zh, "title_en": section.title_en,
                         "weight": format_weight(section.weight) if section.weight is not None else None,
                         "items": items})
    return {"kind": version.kind.value, "number": version.number, "status": version.status.value,
            "note": version.note, "sections": sections}


# ----------------------------------------------------------------------------- validation


def parse_weight(value, field: str = "weight") -> Decimal:
    """A weight from a form or JSON: 0–100, at most two decimals; anything else names the rule broken."""
    if isinstance(value, bool) or value is None or (isinstance(value, str) and not value.strip()):
        raise ChecklistError(field, _l("Weight: enter a number from 0 to 100."))
    try:
        number = Decimal(str(value).strip()) if not isinstance(value, Decimal) else value
    except (InvalidOperation, ValueError):
        raise ChecklistError(field, _l("Weight: \"%(value)s\" is not a number; enter a number from 0 to 100.",
                                       value=str(value)[:20])) from None
    if not number.is_finite():
        raise ChecklistError(field, _l("Weight: enter a number from 0 to 100."))
    if number < 0 or number > HUNDRED:
        raise ChecklistError(field, _l("Weight must be between 0 and 100 (got %(value)s).", value=str(value)[:20]))
    if number != number.quantize(Decimal("0.01")):
        raise ChecklistError(field, _l("Weight may have at most two decimals (got %(value)s).", value=str(value)[:20]))
    return number.quantize(Decimal("0.01"))


def parse_fraction(value: str, field: str) -> str:
    text = (value or "").strip().replace("／", "/").replace(" ", "")
    match = FRACTION_RE.match(text)
    if not match or int(match.group(1)) > int(match.group(2)):
        raise ChecklistError(field, _l("Threshold: write a fraction such as 1/2, 2/3 or 3/4."))
    return text


def _check_code(code: str, field: str = "code") -> str:
    code = (code or "").strip()
    if not CODE_RE.match(code):
        raise ChecklistError(field, _l("Code: 1–16 letters, digits, dots or dashes, e.g. A1 or A1.2."))
    return code


def _text(value, field: str, max_len: int, required: bool, label) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if required and not text:
        raise ChecklistError(field, _l("%(label)s must not be empty.", label=label))
    if len(text) > max_len:
        raise ChecklistError(field, _l("%(label)s: at most %(max)s characters.", label=label, max=max_len))
    return text


def require_editable(version: ChecklistVersion) -> None:
    """Refuse any change to a frozen, published or superseded version."""
    if version.frozen_at is not None:
        error = NotEditable(None, _l("Version %(number)s of list %(kind)s is frozen (used by an evaluation period) "
                                     "and can never change.", number=version.number, kind=version.kind.value))
    elif version.status != VersionStatus.DRAFT:
        error = NotEditable(None, _l("Version %(number)s of list %(kind)s (%(status)s) is read-only; "
                                     "start a new draft to change the list.", number=version.number,
                                     kind=version.kind.value, status=version.status.label))
    else:
        return
    error.version = version  # the refusal page links back to it
    raise error


def _lock(version: ChecklistVersion) -> ChecklistVersion:
    """Re-read the version row FOR UPDATE (PostgreSQL): concurrent edits and publications queue up."""
    locked = db.session.scalar(sa.select(ChecklistVersion).where(ChecklistVersion.id == version.id)
                               .with_for_update().execution_options(populate_existing=True))
    return locked or version


def _clean_section(version: ChecklistVersion, data: dict, *, exclude_id: int | None = None) -> dict:
    clean = {
        "code": _check_code(data.get("code", "")),
        "title_zh": _text(data.get("title_zh"), "title_zh", 120, True, _l("Chinese title")),
        "title_en": _text(data.get("title_en"), "title_en", 160, False, _l("English title")),
    }
    if version.kind.weighted:
        clean["weight"] = parse_weight(data.get("weight"))
    else:
        clean["weight"] = None  # list B carries no weights; anything sent is ignored
    stmt = sa.select(ChecklistSection.id).where(ChecklistSection.version_id == version.id,
                                                ChecklistSection.code == clean["code"])
    if exclude_id is not None:
        stmt = stmt.where(ChecklistSection.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ChecklistError("code", _l("Section code %(code)s is already used in this version.", code=clean["code"]))
    return clean


def _clean_item(version: ChecklistVersion, data: dict, *, exclude_id: int | None = None) -> dict:
    clean = {
        "code": _check_code(data.get("code", "")),
        "text_zh": _text(data.get("text_zh"), "text_zh", 500, True, _l("Chinese text")),
        "text_en": _text(data.get("text_en"), "text_en", 500, False, _l("English text")),
        "evidence": _text(data.get("evidence"), "evidence", 120, False, _l("Evidence")),
        "to_verify": bool(data.get("to_verify")),
    }
    for grade in GRADES:
        clean[grade] = _text(data.get(grade), grade, 60, False, _l("Grade variant"))
    area, head = (data.get("threshold_area") or "").strip(), (data.get("threshold_headcount") or "").strip()
    if version.kind is ListKind.B and (area or head):
        if not area:
            raise ChecklistError("threshold_area", _l("Threshold: give both the floor-area share and the headcount share."))
        if not head:
            raise ChecklistError("threshold_headcount",
                                 _l("Threshold: give both the floor-area share and the headcount share."))
        clean["threshold_area"] = parse_fraction(area, "threshold_area")
        clean["threshold_headcount"] = parse_fraction(head, "threshold_headcount")
        clean["threshold_strict"] = bool(data.get("threshold_strict"))
    else:
        clean.update(threshold_area="", threshold_headcount="", threshold_strict=False)
    stmt = (sa.select(ChecklistItem.id).join(ChecklistSection, ChecklistSection.id == ChecklistItem.section_id)
            .where(ChecklistSection.version_id == version.id, ChecklistItem.code == clean["code"]))
    if exclude_id is not None:
        stmt = stmt.where(ChecklistItem.id != exclude_id)
    if db.session.scalar(stmt) is not None:
        raise ChecklistError("code", _l("Item code %(code)s is already used in this version.", code=clean["code"]))
    return clean


def publish_problems(version: ChecklistVersion) -> list:
    """Everything that keeps this draft from being published (empty: it may be published)."""
    problems = []
    sections = sections_of(version)
    if not sections:
        problems.append(_l("The list has no sections."))
    seen_items: set[str] = set()
    for section in sections:
        items = items_of(section)
        if not items:
            problems.append(_l("Section %(code)s has no items; add one or delete the section.", code=section.code))
        if not section.title_zh.strip():
            problems.append(_l("Section %(code)s has no Chinese title.", code=section.code))
        for item in items:
            if item.code in seen_items:
                problems.append(_l("Item code %(code)s is used more than once.", code=item.code))
            seen_items.add(item.code)
            if not item.text_zh.strip():
                problems.append(_l("Item %(code)s has no Chinese text.", code=item.code))
    if version.kind.weighted:
        if any(s.weight is None for s in sections):
            problems.append(_l("Every section needs a weight."))
        total = sum((s.weight or Decimal(0) for s in sections), Decimal(0))
        if total != HUNDRED:
            problems.append(_l("Weights sum to %(sum)s, must be 100.", sum=format_weight(total)))
    return problems


# ----------------------------------------------------------------------------- building versions


def _default_data(kind: ListKind) -> list[dict]:
    """The shipped defaults in the same shape as ``version_data(...)["sections"]``."""
    sections = []
    for code, title_zh, title_en, weight, items in DEFAULTS[kind.value]:
        rows = []
        for item in items:
            grades = item.get("grades") or ["", "", ""]
            threshold = item.get("threshold") or {}
            rows.append({"code": item["code"], "text_zh": item["text_zh"], "text_en": item.get("text_en", ""),
                         "evidence": item.get("evidence", ""), "grade1": grades[0], "grade2": grades[1],
                         "grade3": grades[2], "to_verify": bool(item.get("to_verify")),
                         "threshold_area": threshold.get("area", ""),
                         "threshold_headcount": threshold.get("headcount", ""),
                         "threshold_strict": bool(threshold.get("strict", False))})
        sections.append({"code": code, "title_zh": title_zh, "title_en": title_en,
                         "weight": None if weight is None else str(weight), "items": rows})
    return sections


def _build_version(tenant, kind: ListKind, number: int, sections: list[dict], actor=None,
                   note: str = "") -> ChecklistVersion:
    version = ChecklistVersion(tenant_id=tenant.id, kind=kind, number=number, note=note,
                               created_by_id=getattr(actor, "id", None))
    db.session.add(version)
    db.session.flush()
    for s_pos, data in enumerate(sections):
        weight = data.get("weight")
        section = ChecklistSection(tenant_id=tenant.id, version_id=version.id, position=s_pos, code=data["code"],
                                   title_zh=data["title_zh"], title_en=data.get("title_en", ""),
                                   weight=Decimal(str(weight)) if (weight not in (None, "") and kind.weighted) else None)
        db.session.add(section)
        db.session.flush()
        db.session.add_all([ChecklistItem(
            tenant_id=tenant.id, section_id=section.id, position=i_pos, code=item["code"], text_zh=item["text_zh"],
            text_en=item.get("text_en", ""), evidence=item.get("evidence", ""), grade1=item.get("grade1", ""),
            grade2=item.get("grade2", ""), grade3=item.get("grade3", ""), to_verify=bool(item.get("to_verify")),
            threshold_area=item.get("threshold_area", ""), threshold_headcount=item.get("threshold_headcount", ""),
            threshold_strict=bool(item.get("threshold_strict")),
        ) for i_pos, item in enumerate(data.get("items", []))])
    db.session.flush()
    db.session.expire(version, ["sections"])
    return version


def seed_defaults(tenant, actor=None) -> list[ChecklistVersion]:
    """Publish version 1 of each list from the shipped defaults, for a tenant that has none yet (idempotent)."""
    created = []
    for kind in ListKind:
        exists = db.session.scalar(sa.select(ChecklistVersion.id).where(ChecklistVersion.kind == kind).limit(1))
        if exists is not None:
            continue
        version = _build_version(tenant, kind, 1, _default_data(kind), actor, note="default content")
        version.status = VersionStatus.PUBLISHED
        version.published_at = utcnow()
        version.published_by_id = getattr(actor, "id", None)
        record(tenant=tenant, actor=actor, action="checklist.published", object_type="checklist_version",
               object_id=version.id, summary=f"{kind.value} v1 (defaults)")
        created.append(version)
    db.session.flush()
    return created


def _next_number(kind: ListKind) -> int:
    return (db.session.scalar(sa.select(sa.func.max(ChecklistVersion.number)).where(ChecklistVersion.kind == kind))
            or 0) + 1


def create_draft(*, tenant, actor, kind: ListKind, note: str = "", sections: list[dict] | None = None) -> ChecklistVersion:
    """A new draft of ``kind``: a copy of the published version (or the defaults), or ``sections`` (import)."""
    existing = open_draft(kind)
    if existing is not None:
        raise DraftExists(existing)
    source = current_version(kind)
    if sections is None:
        sections = version_data(source)["sections"] if source is not None else _default_data(kind)
    number = _next_number(kind)
    version = _build_version(tenant, kind, number, sections, actor, note=(note or "").strip()[:500])
    record(tenant=tenant, actor=actor, action="checklist.draft_created", object_type="checklist_version",
           object_id=version.id, summary=f"{kind.value} v{number}",
           after={"copied_from": source.id if source else "defaults", **describe_version(version)})
    logger.info("checklist draft %s v%s created by %s", kind.value, number, getattr(actor, "id", None))
    return version


def import_draft(*, tenant, actor, data: dict, note: str = "") -> ChecklistVersion:
    """A new draft from exported JSON, every section and item validated like a form entry."""
    try:
        kind = ListKind(str(data.get("kind")))
    except ValueError:
        raise ChecklistError("kind", _l("List: choose A, B or C.")) from None
    raw_sections = data.get("sections")
    if not isinstance(raw_sections, list) or not raw_sections:
        raise ChecklistError("sections", _l("The file holds no sections."))
    version = create_draft(tenant=tenant, actor=actor, kind=kind, note=note, sections=[])
    for s_index, raw in enumerate(raw_sections, start=1):
        if not isinstance(raw, dict):
            raise ChecklistError("sections", _l("Section %(n)s is not an object.", n=s_index))
        try:
            section = add_section(tenant=tenant, actor=None, version=version, data=raw, audit=False)
            for i_index, raw_item in enumerate(raw.get("items") or [], start=1):
                if not isinstance(raw_item, dict):
                    raise ChecklistError("items", _l("Item %(n)s is not an object.", n=i_index))
                add_item(tenant=tenant, actor=None, section=section, data=raw_item, audit=False)
        except ChecklistError as error:
            raise ChecklistError(error.field, _l("Section %(n)s: %(message)s", n=s_index, message=error.message)) from None
    return version


# ----------------------------------------------------------------------------- editing a draft


def add_section(*, tenant, actor, version: ChecklistVersion, data: dict, audit: bool = True) -> ChecklistSection:
    version = _lock(version)
    require_editable(version)
    clean = _clean_section(version, data)
    position = (db.session.scalar(sa.select(sa.func.max(ChecklistSection.position))
                                  .where(ChecklistSection.version_id == version.id)) or 0) + 1
    section = ChecklistSection(tenant_id=tenant.id, version_id=version.id, position=position, **clean)
    db.session.add(section)
    db.session.flush()
    db.session.expire(version, ["sections"])
    if audit:
        record(tenant=tenant, actor=actor, action="checklist.section_added", object_type="checklist_section",
               object_id=section.id, summary=f"{version.kind.value} v{version.number} {section.code}",
               after=_describe_section(section))
    return section


def _describe_section(section: ChecklistSection) -> dict:
    return {"code": section.code, "title_zh": section.title_zh, "title_en": section.title_en,
            "weight": format_weight(section.weight) if section.weight is not None else None}


def _describe_item(item: ChecklistItem) -> dict:
    return {"code": item.code, "text_zh": item.text_zh, "text_en": item.text_en, "evidence": item.evidence,
            "grades": [item.grade1, item.grade2, item.grade3], "to_verify": item.to_verify,
            "threshold": [item.threshold_area, item.threshold_headcount, item.threshold_strict]}


def update_section(*, tenant, actor, section: ChecklistSection, data: dict) -> ChecklistSection:
    version = _lock(version_of(section))
    require_editable(version)
    merged = {**_describe_section(section), **data}
    clean = _clean_section(version, merged, exclude_id=section.id)
    before = _describe_section(section)
    for key, value in clean.items():
        setattr(section, key, value)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="checklist.section_changed", object_type="checklist_section",
           object_id=section.id, summary=f"{version.kind.value} v{version.number} {section.code}",
           before=before, after=_describe_section(section))
    return section


def delete_section(*, tenant, actor, section: ChecklistSection) -> None:
    version = _lock(version_of(section))
    require_editable(version)
    before = _describe_section(section)
    db.session.expire(section, ["items"])  # the cascade deletes what the database holds now
    db.session.delete(section)
    db.session.flush()
    db.session.expire(version, ["sections"])
    record(tenant=tenant, actor=actor, action="checklist.section_deleted", object_type="checklist_section",
           object_id=section.id, summary=f"{version.kind.value} v{version.number} {before['code']}", before=before)


def _move(rows: list, target, direction: str) -> bool:
    index = next(i for i, row in enumerate(rows) if row.id == target.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down"):
        raise ChecklistError("direction", _l("Direction: up or down."))
    if other < 0 or other >= len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    db.session.flush()
    return True


def move_section(*, tenant, actor, section: ChecklistSection, direction: str) -> bool:
    """Swap with the neighbour above or below; False when already at that end."""
    version = _lock(version_of(section))
    require_editable(version)
    moved = _move(sections_of(version), section, direction)
    if moved:
        db.session.expire(version, ["sections"])
        record(tenant=tenant, actor=actor, action="checklist.section_moved", object_type="checklist_section",
               object_id=section.id, summary=f"{version.kind.value} v{version.number} {section.code} {direction}")
    return moved


def add_item(*, tenant, actor, section: ChecklistSection, data: dict, audit: bool = True) -> ChecklistItem:
    version = _lock(version_of(section))
    require_editable(version)
    clean = _clean_item(version, data)
    position = (db.session.scalar(sa.select(sa.func.max(ChecklistItem.position))
                                  .where(ChecklistItem.section_id == section.id)) or 0) + 1
    item = ChecklistItem(tenant_id=tenant.id, section_id=section.id, position=position, **clean)
    db.session.add(item)
    db.session.flush()
    db.session.expire(section, ["items"])
    if audit:
        record(tenant=tenant, actor=actor, action="checklist.item_added", object_type="checklist_item",
               object_id=item.id, summary=f"{version.kind.value} v{version.number} {item.code}",
               after=_describe_item(item))
    return item


def update_item(*, tenant, actor, item: ChecklistItem, data: dict) -> ChecklistItem:
    section = section_of(item)
    version = _lock(version_of(section))
    require_editable(version)
    current = {"code": item.code, "text_zh": item.text_zh, "text_en": item.text_en, "evidence": item.evidence,
               "grade1": item.grade1, "grade2": item.grade2, "grade3": item.grade3, "to_verify": item.to_verify,
               "threshold_area": item.threshold_area, "threshold_headcount": item.threshold_headcount,
               "threshold_strict": item.threshold_strict}
    clean = _clean_item(version, {**current, **data}, exclude_id=item.id)
    before = _describe_item(item)
    for key, value in clean.items():
        setattr(item, key, value)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="checklist.item_changed", object_type="checklist_item",
           object_id=item.id, summary=f"{version.kind.value} v{version.number} {item.code}",
           before=before, after=_describe_item(item))
    return item


def delete_item(*, tenant, actor, item: ChecklistItem) -> None:
    section = section_of(item)
    version = _lock(version_of(section))
    require_editable(version)
    before = _describe_item(item)
    db.session.delete(item)
    db.session.flush()
    db.session.expire(section, ["items"])
    record(tenant=tenant, actor=actor, action="checklist.item_deleted", object_type="checklist_item",
           object_id=item.id, summary=f"{version.kind.value} v{version.number} {before['code']}", before=before)


def move_item(*, tenant, actor, item: ChecklistItem, direction: str) -> bool:
    section = section_of(item)
    version = _lock(version_of(section))
    require_editable(version)
    moved = _move(items_of(section), item, direction)
    if moved:
        db.session.expire(section, ["items"])
        record(tenant=tenant, actor=actor, action="checklist.item_moved", object_type="checklist_item",
               object_id=item.id, summary=f"{version.kind.value} v{version.number} {item.code} {direction}")
    return moved


# ----------------------------------------------------------------------------- publishing, discarding, freezing


def publish(*, tenant, actor, version: ChecklistVersion, note: str) -> ChecklistVersion:
    """Make the draft the current version; the previous published one becomes superseded (one transaction)."""
    version = _lock(version)
    require_editable(version)
    note = (note or "").strip()
    if not note:
        raise ChecklistError("note", _l("Note: say what changed and why."))
    problems = publish_problems(version)
    if problems:
        raise PublishRefused(problems)
    previous = db.session.scalar(sa.select(ChecklistVersion).where(
        ChecklistVersion.kind == version.kind, ChecklistVersion.status == VersionStatus.PUBLISHED).with_for_update())
    if previous is not None:
        previous.status = VersionStatus.SUPERSEDED
        db.session.flush()
    version.status = VersionStatus.PUBLISHED
    version.published_at = utcnow()
    version.published_by_id = getattr(actor, "id", None)
    version.note = note[:500]
    db.session.flush()
    record(tenant=tenant, actor=actor, action="checklist.published", object_type="checklist_version",
           object_id=version.id, summary=f"{version.kind.value} v{version.number}", reason=note,
           before={"published": previous.id if previous else None}, after=describe_version(version))
    if previous is not None:
        record(tenant=tenant, actor=actor, action="checklist.superseded", object_type="checklist_version",
               object_id=previous.id, summary=f"{previous.kind.value} v{previous.number} → v{version.number}")
    logger.info("checklist %s v%s published by %s", version.kind.value, version.number, getattr(actor, "id", None))
    return version


def discard(*, tenant, actor, version: ChecklistVersion, reason: str = "") -> None:
    """Delete a draft with its sections and items (published, superseded and frozen versions stay forever)."""
    version = _lock(version)
    require_editable(version)
    before = describe_version(version)
    version_id = version.id
    for section in sections_of(version):
        db.session.expire(section, ["items"])
    db.session.expire(version, ["sections"])  # the cascade deletes what the database holds now
    db.session.delete(version)
    db.session.flush()
    record(tenant=tenant, actor=actor, action="checklist.discarded", object_type="checklist_version",
           object_id=version_id, summary=f"{before['kind']} v{before['number']}", before=before, reason=reason)


def freeze_version(version: ChecklistVersion, reason: str, actor=None, *, tenant=None) -> ChecklistVersion:
    """Mark a published or superseded version as used by an evaluation period: it never changes again."""
    from tenants import current_tenant

    tenant = tenant if tenant is not None else current_tenant._get_current_object()
    version = _lock(version)
    reason = (reason or "").strip()
    if not reason:
        raise ChecklistError("reason", _l("Reason: say which evaluation period uses this version."))
    if version.status == VersionStatus.DRAFT:
        raise NotEditable(None, _l("A draft cannot be frozen; publish it first."))
    if version.frozen_at is not None:
        return version
    version.frozen_at = utcnow()
    version.frozen_reason = reason[:200]
    db.session.flush()
    record(tenant=tenant, actor=actor, action="checklist.frozen", object_type="checklist_version",
           object_id=version.id, summary=f"{version.kind.value} v{version.number}", reason=reason,
           after=describe_version(version))
    return version
