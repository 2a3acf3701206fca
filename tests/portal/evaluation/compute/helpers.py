"""Reading a run's results back, with the tenant's ids replaced by positions (comparable across tenants)."""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa

from portal.evaluation import engine
from portal.evaluation.models import Assessment, OwnerScore, ScoreAdjustment
from portal.evaluation.result_models import FirmResult, ProjectResult, RunPurpose
from portal.extensions import db
from tenants import tenant_scope
from tests.portal.evaluation.compute.builder import NOW, Built

PROJECT_FIELDS = ("pool", "units", "sample_n", "sample_needed", "sample_ok", "owner_raw_cp", "owner_cp",
                  "owner_ci_low_cp", "owner_ci_high_cp", "community_cp", "authority_cp", "ticket_cp", "w_owner",
                  "w_community", "w_authority", "w_ticket", "weighted_cp", "bonus_cp", "penalty_cp", "veto",
                  "composite_cp", "grade", "ranked", "not_ranked_reason", "rank", "pool_size", "bottom")
FIRM_FIELDS = ("projects", "units", "composite_cp", "grade", "vetoed_projects", "rank", "pool_size")


def compute(built: Built, purpose=RunPurpose.DRAFT):
    return engine.compute_period(tenant=built.tenant, period=built.period, actor=None, purpose=purpose,
                                 reason="测试", now=NOW)


def project_rows(built: Built, run_id: int) -> list[dict]:
    """One dict per project, in the order the projects were given, ids left out."""
    with tenant_scope(built.tenant):
        found = {r.community_id: r for r in db.session.scalars(
            sa.select(ProjectResult).where(ProjectResult.run_id == run_id))}
        rows = []
        for cid in built.community_ids:
            r = found[cid]
            row = {f: getattr(r, f) for f in PROJECT_FIELDS}
            row["grade"] = r.grade.value
            row["firm"] = built.firm_ids.index(r.firm_id)
            rows.append(row)
        return rows


def firm_rows(built: Built, run_id: int) -> list[dict]:
    with tenant_scope(built.tenant):
        found = {r.firm_id: r for r in db.session.scalars(sa.select(FirmResult).where(FirmResult.run_id == run_id))}
        return [{**{f: getattr(found[fid], f) for f in FIRM_FIELDS}, "grade": found[fid].grade.value}
                for fid in built.firm_ids if fid in found]


def positional_digest(built: Built, run_id: int) -> str:
    payload = json.dumps([project_rows(built, run_id), firm_rows(built, run_id)], sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def reinsert_shuffled(built: Built, seed: int) -> None:
    """Delete the period's scores, assessments and adjustments and insert copies in another order (new ids)."""
    import random

    with tenant_scope(built.tenant):
        copies = []
        for model in (OwnerScore, Assessment, ScoreAdjustment):
            for row in db.session.scalars(sa.select(model)):
                values = {c.name: getattr(row, c.name) for c in model.__table__.columns if c.name != "id"}
                copies.append((model, values))
                db.session.delete(row)
        db.session.flush()
        random.Random(seed).shuffle(copies)
        for model, values in copies:
            db.session.add(model(**values))
            db.session.flush()
