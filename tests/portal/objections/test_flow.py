"""Objections end to end: file (HTML, with a photo), answer, accept; escalate and decide; illegal transitions
refused; a clock moved past the due date flags the objection overdue; events and audit of every step.

The clock is frozen before the world is built and only moved forward (sessions end when it goes back, or after
an idle hour, so each step signs in again)."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.extensions import db
from portal.objections import services
from portal.objections.models import Decision, Objection, ObjectionStatus
from tenants.roles import Role
from tests.portal.disclosures.helpers import in_tenant, tenant_of
from tests.portal.objections.helpers import events, objection, png, post, signed_in

FILED = "2026-11-02 02:00:00"  # a Monday (UTC 02:00 = 10:00 in Shanghai); 5 working days: due Monday 11-09


@pytest.fixture
def clock():
    with freeze_time(FILED) as frozen:
        yield frozen


def as_(app, world, role):
    return signed_in(app, world.a.logins[role])


def file_one(app, world, **extra):
    owner = as_(app, world, Role.OWNER)
    url = f"/t/alpha/boards/{world.a.board_id}/versions/{world.a.board_seq}/object"
    response = post(owner, url, {"item": "section", "reason": "热线打不通", **extra}, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def test_owner_files_with_a_photo_firm_answers_owner_accepts(clock, app, world):
    oid = file_one(app, world, photo=(io.BytesIO(png()), "x.png"))
    filed = objection(app, world.a, oid)
    assert filed.status == ObjectionStatus.OPEN and filed.due_on == dt.date(2026, 11, 9)
    assert filed.photo_key and filed.masked_owner.endswith("1**") and filed.version_seq == world.a.board_seq

    clock.move_to("2026-11-05 03:00:00")
    firm = as_(app, world, Role.FIRM_STAFF)
    page = firm.get(f"/t/alpha/objections/{oid}")
    assert page.status_code == 200 and "1**" in page.text
    assert firm.get(f"/t/alpha/objections/{oid}/photo").status_code == 200
    assert app.test_client().get(f"/t/alpha/objections/{oid}/photo").status_code in (302, 401)
    response = post(firm, f"/t/alpha/objections/{oid}/answer", {"answer-answer": "热线已更正为 0635-1111111"})
    assert response.status_code == 303, response.text
    answered = objection(app, world.a, oid)
    assert answered.status == ObjectionStatus.ANSWERED and answered.answered_late is False

    owner = as_(app, world, Role.OWNER)
    assert owner.get(f"/t/alpha/objections/{oid}/photo").status_code == 200
    assert post(owner, f"/t/alpha/objections/{oid}/accept", {}).status_code == 303
    assert objection(app, world.a, oid).status == ObjectionStatus.ACCEPTED
    assert events(app, world.a, oid) == [(None, "open", "owner"), ("open", "answered", "firm"),
                                         ("answered", "accepted", "owner")]
    with app.app_context(), in_tenant(world.a):
        actions = list(db.session.scalars(sa.select(AuditEvent.action).where(
            AuditEvent.object_type == "objection", AuditEvent.object_id == str(oid)).order_by(AuditEvent.id)))
    assert actions == ["objection.filed", "objection.answered", "objection.accepted"]


def test_escalated_and_decided_by_the_street_office(app, world):
    oid = world.a.objection_id
    assert post(as_(app, world, Role.FIRM_STAFF), f"/t/alpha/objections/{oid}/answer",
                {"answer-answer": "热线正常"}).status_code == 303
    assert post(as_(app, world, Role.OWNER), f"/t/alpha/objections/{oid}/escalate",
                {"escalate-note": "仍打不通"}).status_code == 303
    decision = {"decide-decision": "upheld", "decide-decision_reason": "现场拨打无人接听"}
    assert post(as_(app, world, Role.FIRM_STAFF), f"/t/alpha/objections/{oid}/decide", decision).status_code == 403
    assert post(as_(app, world, Role.COMMITTEE_MEMBER), f"/t/alpha/objections/{oid}/decide", decision).status_code == 403
    response = post(as_(app, world, Role.AREA_OFFICER), f"/t/alpha/objections/{oid}/decide", decision)
    assert response.status_code == 303, response.text
    decided = objection(app, world.a, oid)
    assert decided.status == ObjectionStatus.DECIDED and decided.decision == Decision.UPHELD and decided.closed_at
    assert [e[1] for e in events(app, world.a, oid)] == ["open", "answered", "escalated", "decided"]


@pytest.mark.parametrize("step, data, who", [
    ("accept", {}, Role.OWNER),                                       # open: nothing to accept yet
    ("decide", {"decide-decision": "upheld", "decide-decision_reason": "x"}, Role.AREA_OFFICER),  # not escalated
])
def test_illegal_transitions_are_refused_and_change_nothing(app, world, step, data, who):
    response = post(as_(app, world, who), f"/t/alpha/objections/{world.a.objection_id}/{step}", data)
    assert response.status_code == 409
    assert "not open to you" in response.text
    assert objection(app, world.a, world.a.objection_id).status == ObjectionStatus.OPEN


def test_service_refuses_answering_twice_with_a_clear_message(app, world):
    with app.app_context(), in_tenant(world.a):
        tenant = tenant_of(world.a)
        found = db.session.scalar(sa.select(Objection).where(Objection.id == world.a.objection_id))
        actor = db.session.get(User, world.a.users[Role.FIRM_STAFF])
        services.answer(tenant=tenant, actor=actor, objection=found, text="已处理")
        with pytest.raises(services.ObjectionError) as refused:
            services.answer(tenant=tenant, actor=actor, objection=found, text="再答一次")
        assert refused.value.status == 409 and "cannot become" in str(refused.value.message)
        db.session.rollback()


def test_a_clock_past_the_due_date_flags_overdue_and_the_late_answer_is_kept(clock, app, world):
    oid = file_one(app, world)
    clock.move_to("2026-11-09 15:00:00")  # 23:00 in Shanghai on the due day: not yet late
    firm = as_(app, world, Role.FIRM_STAFF)
    assert "Overdue" not in firm.get(f"/t/alpha/objections/{oid}").text
    assert f"/objections/{oid}\"" not in firm.get("/t/alpha/objections/?overdue=y").text
    clock.move_to("2026-11-09 16:30:00")  # 00:30 on 11-10 in Shanghai
    firm = as_(app, world, Role.FIRM_STAFF)
    assert "Overdue" in firm.get(f"/t/alpha/objections/{oid}").text
    assert f"/objections/{oid}\"" in firm.get("/t/alpha/objections/?overdue=y").text
    public = app.test_client().get(f"/t/alpha/board/{world.a.community_id}/")
    assert "答复逾期" in public.text
    assert post(firm, f"/t/alpha/objections/{oid}/answer", {"answer-answer": "迟到的答复"}).status_code == 303
    late = objection(app, world.a, oid)
    assert late.answered_late is True and late.is_overdue(dt.date(2026, 12, 1))
    with app.app_context(), in_tenant(world.a):
        facts = services.period_facts(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert any(f["board_id"] == world.a.board_id and f["answered_late"] == 1 for f in facts)


def test_owner_may_escalate_an_unanswered_objection_only_once_it_is_overdue(clock, app, world):
    oid = file_one(app, world)
    owner = as_(app, world, Role.OWNER)
    response = post(owner, f"/t/alpha/objections/{oid}/escalate", {"escalate-note": ""})
    assert response.status_code == 409
    clock.move_to("2026-11-10 02:00:00")
    assert post(as_(app, world, Role.OWNER), f"/t/alpha/objections/{oid}/escalate", {"escalate-note": ""}).status_code == 303
    assert objection(app, world.a, oid).status == ObjectionStatus.ESCALATED


def test_answer_limit_is_per_tenant_in_working_days(app, world):
    admin = as_(app, world, Role.BUREAU_ADMIN)
    assert post(admin, "/t/alpha/objections/settings", {"answer_days": "3"}).status_code == 303
    assert post(admin, "/t/alpha/objections/settings", {"answer_days": "0"}).status_code == 400
    with app.app_context(), in_tenant(world.a):
        assert services.answer_days() == 3
        version_day = dt.date(2026, 9, 30)  # the eve of the National Day week: 3 working days run past it
        from portal.workdays import add_working_days
        assert add_working_days(version_day, services.answer_days()) > dt.date(2026, 10, 8)


def test_cli_prints_the_period_facts(app, world):
    result = app.test_cli_runner().invoke(args=["objections", "facts", "--tenant", "alpha", "--start", "2026-01-01",
                                                "--end", "2026-12-31"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[0].startswith("board_id") and lines[1].split("\t")[0] == str(world.a.board_id)
    bad = app.test_cli_runner().invoke(args=["objections", "facts", "--tenant", "alpha", "--start", "2026-12-31",
                                             "--end", "2026-01-01"])
    assert bad.exit_code != 0


def test_in_a_firm_tenant_its_project_team_answers_and_its_head_office_decides(app, world):
    """Tenant C is a firm: its own people play the firm's part; its head office (not a street office) decides."""
    oid = world.c.objection_id

    def as_c(role):
        return signed_in(app, world.c.logins[role])

    assert post(as_c(Role.PROJECT_MANAGER), f"/t/firmco/objections/{oid}/answer",
                {"answer-answer": "已核实"}).status_code == 303
    assert post(as_c(Role.OWNER), f"/t/firmco/objections/{oid}/escalate", {"escalate-note": ""}).status_code == 303
    decision = {"decide-decision": "not_upheld", "decide-decision_reason": "号码无误"}
    assert post(as_c(Role.AREA_OFFICER), f"/t/firmco/objections/{oid}/decide", decision).status_code == 403
    assert post(as_c(Role.BUREAU_STAFF), f"/t/firmco/objections/{oid}/decide", decision).status_code == 303
    assert objection(app, world.c, oid).decision == Decision.NOT_UPHELD
