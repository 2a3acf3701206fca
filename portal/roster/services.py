"""Roster rules: preview (one validating pass) and import (validate, then write in chunks), all or nothing.

Both passes stream the file row by row. The validating pass keeps only the (building, entrance,
room) keys seen so far and the first ``MAX_LISTED_ERRORS`` problems; the writing pass loads the
community's existing units once into a dict and sends ORM bulk INSERT / UPDATE statements in
chunks. Units missing from the file are never deleted. Services flush; the caller commits.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from portal.audit.services import record
from portal.communities.models import Building, Community, Unit
from portal.communities.services import visible_communities
from portal.db_stats import refresh_statistics
from portal.extensions import db
from portal.roster import parsing
from portal.roster.parsing import FileProblem, Problem, SourceInfo

logger = logging.getLogger(__name__)

MAX_LISTED_ERRORS = 1000
WRITE_CHUNK = 5000

Key = tuple[int, str, str]  # (building id, entrance, room)


@dataclass
class ProblemTally:
    """What a file import found wrong: every problem counted, the first ``MAX_LISTED_ERRORS`` kept to list
    (shared by every spreadsheet import: rosters, 12345 work orders)."""

    kind: str = ""
    encoding: str = ""
    rows: int = 0
    errors: list[Problem] = field(default_factory=list)
    error_count: int = 0
    format_note: str = ""                                     # the file is not what its name says

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    @property
    def errors_truncated(self) -> bool:
        return self.error_count > len(self.errors)

    def add(self, problem: Problem) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_LISTED_ERRORS:
            self.errors.append(problem)


@dataclass
class Preview(ProblemTally):
    """What an import of the file would do, and every reason it cannot (the first 1,000 listed)."""

    to_insert: int = 0
    to_update: int = 0
    unchanged: int = 0
    buildings: list[str] = field(default_factory=list)       # registered for the community
    unknown_buildings: list[str] = field(default_factory=list)
    existing_units: int = 0
    missing_from_file: int = 0                                # existing units the file does not list (kept)

    def as_dict(self) -> dict:
        return {
            "format": self.kind, "encoding": self.encoding, "rows": self.rows, "to_insert": self.to_insert,
            "to_update": self.to_update, "unchanged": self.unchanged, "valid": self.ok,
            "error_count": self.error_count, "errors_truncated": self.errors_truncated,
            "errors": [p.as_dict() for p in self.errors], "registered_buildings": self.buildings,
            "unknown_buildings": self.unknown_buildings, "existing_units": self.existing_units,
            "kept_units_missing_from_file": self.missing_from_file,
        }


@dataclass
class ImportResult:
    inserted: int
    updated: int
    unchanged: int
    preview: Preview

    def as_dict(self) -> dict:
        return {"inserted": self.inserted, "updated": self.updated, "unchanged": self.unchanged,
                "format": self.preview.kind, "encoding": self.preview.encoding, "rows": self.preview.rows,
                "kept_units_missing_from_file": self.preview.missing_from_file}


class RosterRejected(Exception):
    """The file has problems; nothing was written. ``preview`` lists them."""

    def __init__(self, preview: Preview):
        super().__init__(f"roster rejected: {preview.error_count} problem(s)")
        self.preview = preview


# -- reading the community ---------------------------------------------------------------------

def registered_buildings(community: Community) -> dict[str, int]:
    rows = db.session.execute(sa.select(Building.name, Building.id).where(Building.community_id == community.id)
                              .order_by(Building.position, Building.name))
    return {name: building_id for name, building_id in rows}


def existing_units(community: Community) -> dict[Key, tuple[int, int | None, Decimal]]:
    """Every unit of the community, loaded once: key -> (id, floor, floor area)."""
    rows = db.session.execute(sa.select(Unit.building_id, Unit.entrance, Unit.room, Unit.id, Unit.floor, Unit.floor_area)
                              .where(Unit.community_id == community.id))
    return {(b, e or "", r): (i, f, a) for b, e, r, i, f, a in rows}


# -- the pass shared by preview and import ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class CleanRow:
    number: int
    key: Key
    floor: int | None
    floor_area: Decimal


def _scan(path: Path, buildings: dict[str, int], existing: dict, preview: Preview,
          on_row: Callable[[CleanRow, str], None] | None = None, filename: str = "") -> Preview:
    """One streaming pass over the file: problems into ``preview``, each clean row classified."""
    try:
        info: SourceInfo = parsing.sniff(path, filename)
    except FileProblem as problem:
        preview.add(Problem(problem.row, "", "", problem.message))
        return preview
    preview.kind, preview.encoding = info.kind, info.label
    preview.format_note = str(info.note) if info.note else ""
    seen: dict[Key, int] = {}
    unknown: dict[str, int] = {}
    header = None
    try:
        for number, cells in parsing.raw_rows(path, info):
            if header is None:
                if number != 1:
                    preview.add(Problem(1, "", "", _l("Row 1 must be the header row (楼栋, 单元, 房号, 楼层, 建筑面积); "
                                                      "it is empty.")))
                    return preview
                header, problems = parsing.parse_header(cells)
                if header is None:
                    for problem in problems:
                        preview.add(problem)
                    return preview
                continue
            preview.rows += 1
            values, problems = parsing.read_row(number, cells, header)
            for problem in problems:
                preview.add(problem)
            if values is None:
                continue
            building_id = buildings.get(values.building)
            if building_id is None:
                unknown[values.building] = unknown.get(values.building, 0) + 1
                preview.add(Problem(number, header.names["building"], "building", _l(
                    "The building \"%(name)s\" is not registered for this community.", name=values.building)))
                continue
            key = (building_id, values.entrance, values.room)
            first = seen.get(key)
            if first is not None:
                preview.add(Problem(number, header.names["room"], "room", _l(
                    "Duplicate: building %(building)s, entrance \"%(entrance)s\", room %(room)s is already in row %(row)s.",
                    building=values.building, entrance=values.entrance, room=values.room, row=first)))
                continue
            seen[key] = number
            current = existing.get(key)
            if current is None:
                state = "insert"
                preview.to_insert += 1
            elif current[1] == values.floor and current[2] == values.floor_area:
                state = "unchanged"
                preview.unchanged += 1
            else:
                state = "update"
                preview.to_update += 1
            if on_row is not None and preview.error_count == 0:  # after a problem: only look for more
                on_row(CleanRow(number, key, values.floor, values.floor_area), state)
    except FileProblem as problem:
        preview.add(Problem(problem.row, "", "", problem.message))
        return preview
    if header is None:
        preview.add(Problem(1, "", "", _l("The file has no header row and no units.")))
    elif preview.rows == 0:
        preview.add(Problem(2, "", "", _l("The file has a header row but no units.")))
    preview.unknown_buildings = sorted(unknown)
    preview.missing_from_file = sum(1 for key in existing if key not in seen)
    return preview


def preview_file(community: Community, path: Path, filename: str = "") -> Preview:
    """The validating pass: what importing ``path`` into ``community`` would do, and every problem."""
    buildings = registered_buildings(community)
    existing = existing_units(community)
    preview = Preview(buildings=list(buildings), existing_units=len(existing))
    return _scan(path, buildings, existing, preview, filename=filename)


def import_file(*, tenant, actor, community: Community, path: Path, filename: str = "") -> ImportResult:
    """Import every row of ``path`` — or nothing: one streaming pass that validates and writes.

    Rows are upserted by (building, entrance, room): new keys inserted, a changed floor or area
    updated, identical rows left alone; units the file does not list are kept. The writes run
    inside a SAVEPOINT: the first problem anywhere in the file (the registry may have changed
    since the preview) rolls all of them back and raises RosterRejected with every problem.
    One audit event (roster.imported) records the counts when anything changed. The caller commits.
    """
    existing = existing_units(community)
    buildings = registered_buildings(community)
    writer = _ChunkWriter(tenant_id=tenant.id, community_id=community.id, existing=existing)
    preview = Preview(buildings=list(buildings), existing_units=len(existing))
    savepoint = db.session.begin_nested()
    try:
        _scan(path, buildings, existing, preview, on_row=writer.add)
        if preview.ok:
            writer.flush()
    except BaseException:
        savepoint.rollback()
        raise
    if not preview.ok:
        savepoint.rollback()
        raise RosterRejected(preview)
    savepoint.commit()
    result = ImportResult(inserted=writer.inserted, updated=writer.updated, unchanged=preview.unchanged, preview=preview)
    if result.inserted:
        # A first roster of 100,000 units would otherwise be planned with the empty table's statistics.
        refresh_statistics(db.session.connection(), ["units"], postgresql=False)
    if result.inserted or result.updated:
        record(tenant=tenant, actor=actor, action="roster.imported", object_type="community", object_id=community.id,
               summary=f"{community.name}: +{result.inserted} ~{result.updated} ={result.unchanged}",
               after={"inserted": result.inserted, "updated": result.updated, "unchanged": result.unchanged,
                      "rows": preview.rows, "format": preview.kind, "encoding": preview.encoding,
                      "file": filename[:120]})
        db.session.flush()
    logger.info("roster import community=%s inserted=%s updated=%s unchanged=%s by %s", community.id,
                result.inserted, result.updated, result.unchanged, getattr(actor, "id", "system"))
    return result


def record_upload(*, tenant, actor, community: Community, preview: Preview, filename: str) -> None:
    """Audit a roster file kept on the server for import (who uploaded what, and what it would do)."""
    record(tenant=tenant, actor=actor, action="roster.uploaded", object_type="community", object_id=community.id,
           summary=f"{community.name}: {filename[:120]} ({preview.rows} rows, {preview.encoding})",
           after={"rows": preview.rows, "to_insert": preview.to_insert, "to_update": preview.to_update,
                  "unchanged": preview.unchanged, "format": preview.kind, "encoding": preview.encoding,
                  "file": filename[:120]})
    db.session.flush()


class _ChunkWriter:
    """Collects clean rows and sends them as ORM bulk INSERT / UPDATE statements in chunks."""

    def __init__(self, *, tenant_id: int, community_id: int, existing: dict):
        self.tenant_id, self.community_id, self.existing = tenant_id, community_id, existing
        self.inserts: list[dict] = []
        self.updates: list[dict] = []
        self.inserted = self.updated = 0

    def add(self, row: CleanRow, state: str) -> None:
        if state == "insert":
            building_id, entrance, room = row.key
            self.inserts.append({"tenant_id": self.tenant_id, "community_id": self.community_id,
                                 "building_id": building_id, "entrance": entrance, "room": room,
                                 "floor": row.floor, "floor_area": row.floor_area})
        elif state == "update":
            self.updates.append({"id": self.existing[row.key][0], "floor": row.floor, "floor_area": row.floor_area})
        if len(self.inserts) >= WRITE_CHUNK or len(self.updates) >= WRITE_CHUNK:
            self.flush()

    def flush(self) -> None:
        if self.inserts:
            db.session.execute(sa.insert(Unit), self.inserts)
            self.inserted += len(self.inserts)
            self.inserts = []
        if self.updates:
            db.session.execute(sa.update(Unit), self.updates)
            self.updated += len(self.updates)
            self.updates = []


# -- listing -----------------------------------------------------------------------------------

def buildings_with_counts(community: Community) -> list[tuple[Building, int]]:
    buildings = list(db.session.scalars(sa.select(Building).where(Building.community_id == community.id)
                                        .order_by(Building.position, Building.name)))
    counts = dict(db.session.execute(sa.select(Unit.building_id, sa.func.count(Unit.id))
                                     .where(Unit.community_id == community.id).group_by(Unit.building_id)).all())
    return [(b, counts.get(b.id, 0)) for b in buildings]


def units_query(community: Community, building_id: int | None = None) -> sa.Select:
    """The units of a community in roster order (building, entrance, room — 101 before 1001)."""
    stmt = (sa.select(Unit).join(Building, Building.id == Unit.building_id)
            .where(Unit.community_id == community.id)
            .order_by(Building.position, Building.name, Unit.entrance, sa.func.length(Unit.room), Unit.room))
    if building_id is not None:
        stmt = stmt.where(Unit.building_id == building_id)
    return stmt


def find_community(ref: str) -> Community | None:
    """A community of the current tenant by id or exact name (for the CLI)."""
    ref = ref.strip()
    if ref.isdigit() and len(ref) <= 9:
        found = db.session.scalar(sa.select(Community).where(Community.id == int(ref)))
        if found is not None:
            return found
    return db.session.scalar(sa.select(Community).where(Community.name == ref))
