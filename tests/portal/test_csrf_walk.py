"""Every state-changing route refuses a request without a valid CSRF token and changes nothing."""
from __future__ import annotations

import contextlib
import json
import re

from portal import config
from portal.extensions import db as _db
from portal.security import CSRF_EXEMPT_ENDPOINTS
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import PASSWORD, World, csrf_from
from tests.routewalk import LINK_TOKEN, STATE_CHANGING, changed_tables, db_state, methods, rules, unmapped_arguments, url_variants

NEW_PASSWORD = "a brand new and rather long passphrase"


def roster_file(world: World):
    """A one-unit roster for tenant A's community (a fresh stream each time: a test client consumes it)."""
    from tests.portal.roster.helpers import roster_upload

    return roster_upload(world.a)


def staged_roster(client, world: World) -> str:
    """The token of a roster upload kept for tenant A's administrator, as a preview leaves it."""
    from tests.portal.roster.helpers import stage_upload

    return stage_upload(client.application, world.a)


def hotline_file(world: World):
    """A 12345 export of three work orders for tenant A (a fresh stream each time: a test client consumes it)."""
    import io

    from tests.portal.hotline.helpers import csv_bytes, rows_for

    return io.BytesIO(csv_bytes(rows_for(world.a))), "12345.csv"


def staged_hotline(client, world: World) -> str:
    """The token of a 12345 export kept for tenant A's administrator, as a preview leaves it (bound to no community)."""
    import io

    from portal.hotline.views import NO_COMMUNITY
    from portal.roster import uploads
    from tests.portal.hotline.helpers import csv_bytes, rows_for

    with client.application.app_context():
        upload = uploads.store(tenant_id=world.a.tenant_id, user_id=world.a.users[Role.BUREAU_ADMIN],
                               community_id=NO_COMMUNITY, stream=io.BytesIO(csv_bytes(rows_for(world.a))),
                               filename="12345.csv")
    return upload.token


def photo_file():
    """A small PNG photo of the problem (a fresh stream each time: a test client consumes it)."""
    import io

    from tests.portal.tickets.helpers import png

    return io.BytesIO(png()), "photo.png"


def requested_code(client, world: World) -> str:
    """Ask for a reset code for tenant A's owner as this client; the code the test sender received."""
    sender = client.application.extensions["message_sender"]
    sent_before = len(sender.sent)
    page = client.post("/account/reset", data={"csrf_token": csrf_token_for(client, "/account/reset"),
                                               "identifier": world.a.logins[Role.OWNER]})
    assert page.status_code == 303 and len(sender.sent) == sent_before + 1
    return re.search(r"\b(\d{6})\b", sender.sent[-1].text).group(1)


def voucher_file():
    """A small PNG voucher (a fresh stream each time: a test client consumes it)."""
    import io

    from PIL import Image

    data = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 120, 0)).save(data, "PNG")
    data.seek(0)
    return data, "voucher.png"


def mobile_code(client, world: World) -> str:
    """Ask for a code to this client's own number on the account page; the code the test sender received.

    The counters are reset first: the walk asks again for every variant, faster than a code a minute."""
    client.application.extensions["login_throttle"].reset()
    sender = client.application.extensions["message_sender"]
    sent_before = len(sender.sent)
    page = client.post("/account/mobile/code", data={"csrf_token": csrf_token_for(client, "/account/mobile"),
                                                     "mobile": world.a.logins[Role.OWNER]})
    assert page.status_code == 303 and len(sender.sent) == sent_before + 1, page.status_code
    return re.search(r"\b(\d{6})\b", sender.sent[-1].text).group(1)


def verified_admin(client, world: World) -> dict:
    """Tenant A's administrator with a verified number: turning the requirement on needs one."""
    from portal.auth.models import User
    from portal.db import utcnow

    with client.application.app_context():
        _db.session.get(User, world.a.users[Role.BUREAU_ADMIN]).mobile_verified_at = utcnow()
        _db.session.commit()
    return {}


def exported_tenant(client, world: World, *, delete: bool = False) -> dict:
    """Tenant A exported (a delete needs a recent export), and deleted too when ``delete``."""
    from portal.tenant_export import services
    from tenants.models import Tenant

    with client.application.app_context():
        tenant = _db.session.get(Tenant, world.a.tenant_id)
        services.export_tenant(tenant, actor=None).path.unlink()
        if delete and tenant.deleted_at is None:
            services.delete_tenant(actor=None, tenant=tenant, reason="leaves", grace_days=30)
        _db.session.commit()
    return {}


CSRF_MESSAGE = "did not come from this site"

# A request each state-changing endpoint would accept with a token, and who sends it. The walk fails
# on an endpoint missing here, so a new form can't escape it. (Login is sent from a signed-out
# session: that is the session a login-CSRF attack rides on.)
BOARD_IDENTITY = {"fields": {"firm_name": "物业", "project_manager": "经理", "manager_phone": "13700000000",
                             "hotline": "0635-2222222", "price_complaint_line": "12358"}}


def _board_rules():
    from portal.disclosures.deadlines import DEFAULT_RULES

    return DEFAULT_RULES


BOARD_RULES = _board_rules()

def ticket_in(status: str):
    """A ``prepare`` that puts tenant A's ticket in ``status`` first (the step tried must be allowed)."""
    from tests.portal.tickets.helpers import put_world_ticket

    return lambda client, w: put_world_ticket(client.application, w.a, status)


def satisfaction_case_chosen(client, world: World) -> dict:
    """Choose the one case of tenant A's satisfaction list, worded without personal data (publishable)."""
    import sqlalchemy as sa

    from portal.satisfaction.models import SatisfactionEntry
    from tenants import tenant_scope
    from tenants.models import Tenant

    with client.application.app_context():
        tenant = _db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            for entry in _db.session.scalars(sa.select(SatisfactionEntry).where(
                    SatisfactionEntry.list_id == world.a.satisfaction_list_id)):
                entry.included, entry.problem_text, entry.outcome_text = True, "楼道灯不亮", "已更换灯泡"
            _db.session.commit()
        _db.session.remove()
    return {}
def ticket_closed_on(*day):
    """A ``prepare`` that closes tenant A's ticket on ``day`` (a spot-check sample has something to draw)."""
    import datetime as _dt

    def prepare(client, w):
        from portal.extensions import db as _db
        from portal.tickets.models import Ticket, TicketStatus
        from tests.portal.tickets.helpers import in_tenant

        with client.application.app_context(), in_tenant(w.a):
            ticket = _db.session.get(Ticket, w.a.ticket_id)
            ticket.status, ticket.due_at = TicketStatus.CLOSED, None
            ticket.closed_at = _dt.datetime(*day, 2, 0, tzinfo=_dt.timezone.utc)
            _db.session.commit()
            _db.session.remove()
        return {}

    return prepare
def zero_points(kind: str, prefix: str = "") -> dict:
    """Every item of the default list A or C at 0 points (form fields ``pts_A1_1``, or JSON codes ``A1.1``)."""
    from portal.checklists.defaults import DEFAULTS

    codes = [item["code"] for *_head, items in DEFAULTS[kind] for item in items]
    return {(prefix + code.replace(".", "_")) if prefix else code: ("0" if prefix else 0) for code in codes}


def evaluation_case_ready(step: str):
    """A ``prepare`` that puts tenant A's world evaluation case where ``step`` needs it: the appeal window open
    (until 2099), every rectification step done, or the plan reported done."""

    def prepare(client, w):
        import datetime as _dt

        from portal.evaluation.models import EvaluationPeriod, PeriodStatus
        from portal.evaluation.result_models import RectificationMilestone, RectificationPlan, RectificationStatus
        from portal.extensions import db as _db
        from tests.portal.tickets.helpers import in_tenant

        with client.application.app_context(), in_tenant(w.a):
            if step == "appeal":
                period = _db.session.get(EvaluationPeriod, w.a.eval_result_period_id)
                period.status, period.appeal_until = PeriodStatus.APPEAL, _dt.date(2099, 12, 31)
            elif step == "submit":
                _db.session.get(RectificationMilestone, w.a.eval_milestone_id).done_at = \
                    _dt.datetime(2026, 11, 10, 2, 0, tzinfo=_dt.timezone.utc)
            elif step == "reinspect":
                _db.session.get(RectificationPlan, w.a.eval_plan_id).status = RectificationStatus.SUBMITTED
            _db.session.commit()
            _db.session.remove()
        return {}

    return prepare


def _evaluation_png():
    import io

    from tests.portal.objections.helpers import png

    return (io.BytesIO(png()), "done.png")


def evaluation_ready(**changes):
    """A ``prepare`` that sets tenant A's world period or scheme as the step tried needs it."""
    from tests.portal.evaluation.setup.helpers import set_world_evaluation

    return lambda client, w: set_world_evaluation(client.application, w.a, **changes)


def _evaluation_photo():
    import io

    from tests.portal.objections.helpers import png

    return (io.BytesIO(png()), "evidence.png")


def _scheme_form(w):
    from tests.portal.evaluation.setup.test_pages import SCHEME_FORM

    return dict(SCHEME_FORM)


VALID_REQUESTS: dict[str, tuple[str, dict]] = {
    # evaluation setup
    "evaluation.new_scheme": ("tenant_admin", {"form": _scheme_form}),
    "evaluation.edit_scheme": ("tenant_admin", {"form": _scheme_form}),
    "evaluation.publish_scheme": ("tenant_admin", {"form": lambda w: {}, "prepare": evaluation_ready(scheme="draft")}),
    "evaluation.new_period": ("tenant_admin", {"form": lambda w: {"name": "2099年第一季度", "start_date": "2099-01-01",
                                                                  "end_date": "2099-03-31"}}),
    "evaluation.advance": ("tenant_admin", {"form": lambda w: {"to": "open", "reason": "开始评分"},
                                            "prepare": evaluation_ready(period="future")}),
    "evaluation.derive_penalties": ("tenant_admin", {"form": lambda w: {}, "prepare": evaluation_ready(period="closed")}),
    "evaluation.new_adjustment": ("tenant_admin", {"form": lambda w: {
        "community_id": str(w.a.community_id), "kind": "bonus", "condition": "award", "points": "1",
        "occurred_on": "2026-08-01", "reason": "获奖"}}),
    "evaluation.add_evidence": ("tenant_admin", {"form": lambda w: {"photo": _evaluation_photo()}}),
    "evaluation.revoke_adjustment": ("tenant_admin", {"form": lambda w: {"revoke_reason": "复核不属实"}}),
    "evaluation_api.create_scheme": ("tenant_admin", {"json": lambda w: {"name": "二版"}}),
    "evaluation_api.edit_scheme": ("tenant_admin", {"json": lambda w: {"name": "改名"}}),
    "evaluation_api.publish_scheme": ("tenant_admin", {"prepare": evaluation_ready(scheme="draft")}),
    "evaluation_api.create_period": ("tenant_admin", {"json": lambda w: {"name": "2099年第二季度", "start_date": "2099-04-01",
                                                                          "end_date": "2099-06-30"}}),
    "evaluation_api.step_period": ("tenant_admin", {"json": lambda w: {"to": "open", "reason": "开始"},
                                                    "prepare": evaluation_ready(period="future")}),
    "evaluation_api.derive_penalties": ("tenant_admin", {"prepare": evaluation_ready(period="closed")}),
    "evaluation_api.create_adjustment": ("tenant_admin", {"json": lambda w: {
        "community_id": w.a.community_id, "kind": "penalty", "condition": "service", "points_cp": 100,
        "occurred_on": "2026-08-01", "reason": "服务不达标"}}),
    "evaluation_api.revoke_adjustment": ("tenant_admin", {"json": lambda w: {"reason": "复核不属实"}}),
    # tickets: each workflow step with the ticket in a status that allows it
    "tickets.new": ("owner", {"form": lambda w: {"unit_id": str(w.a.unit_id), "category_id": str(w.a.ticket_category_id),
                                                 "description": "楼道灯坏了", "location": "", "urgency": "normal"}}),
    "tickets.new_for_caller": ("tenant_admin", {"form": lambda w: {
        "community_id": str(w.a.community_id), "source": "phone", "caller_name": "王女士", "caller_phone": "",
        "category_id": str(w.a.ticket_category_id), "description": "电梯异响", "location": "", "urgency": "normal"}}),
    "tickets.accept": ("firm_staff", {"form": lambda w: {"assignee_id": str(w.a.users[Role.FIRM_STAFF]), "note": ""},
                                      "prepare": ticket_in("submitted")}),
    "tickets.start": ("firm_staff", {"form": lambda w: {"note": ""}, "prepare": ticket_in("accepted")}),
    "tickets.resolve": ("firm_staff", {"form": lambda w: {"note": "已修复"}, "prepare": ticket_in("in_progress")}),
    "tickets.confirm": ("owner", {"form": lambda w: {"rating": "5", "comment": ""}, "prepare": ticket_in("resolved")}),
    "tickets.reopen": ("owner", {"form": lambda w: {"reason": "还在漏"}, "prepare": ticket_in("resolved")}),
    "tickets.triage": ("tenant_admin", {"form": lambda w: {"complexity": "simple"}, "prepare": ticket_in("submitted")}),
    "tickets.consult": ("tenant_admin", {"form": lambda w: {
        "held_on": "2026-11-20", "parties": "firm", "other_parties": "", "outcome": "约定维修", "tasks": "",
        "tasks_due_on": ""}, "prepare": ticket_in("submitted")}),
    "tickets.urge": ("tenant_admin", {"form": lambda w: {"note": "请尽快"}, "prepare": ticket_in("submitted")}),
    "tickets.extend": ("tenant_admin", {"form": lambda w: {"days": "2", "reason": "等配件"}, "prepare": ticket_in("submitted")}),
    "tickets.reassign": ("tenant_admin", {"form": lambda w: {"assignee_id": str(w.a.users[Role.FIRM_STAFF]), "note": ""},
                                          "prepare": ticket_in("accepted")}),
    "tickets.follow_up": ("tenant_admin", {"form": lambda w: {"reached": "yes", "satisfaction": "satisfied", "notes": ""},
                                           "prepare": ticket_in("confirmed")}),
    "tickets.close": ("tenant_admin", {"form": lambda w: {"note": ""}, "prepare": ticket_in("followed_up")}),
    "tickets.category": ("tenant_admin", {"form": lambda w: {
        "name_zh": "一般维修", "name_en": "Routine repair", "response_limit": "2", "response_unit": "working_days",
        "resolve_limit": "3", "resolve_unit": "working_days", "is_active": "y"}}),
    "tickets.calendar_set": ("tenant_admin", {"form": lambda w: {"day": "2027-02-20", "is_working": "working", "name": "调休"}}),
    "tickets.calendar_remove": ("tenant_admin", {"form": lambda w: {}}),
    "tickets.spot_check_draw": ("tenant_admin", {"form": lambda w: {"half": "2026-11-16"},
                                                 "prepare": ticket_closed_on(2026, 11, 20)}),
    "tickets.spot_check_call": ("tenant_admin", {"form": lambda w: {"reached": "yes", "satisfied": "yes", "notes": "回访"}}),
    "tickets_api.file_ticket": ("owner", {"json": lambda w: {
        "community_id": w.a.community_id, "unit_id": w.a.unit_id, "category_id": w.a.ticket_category_id,
        "description": "门禁坏了"}}),
    "tickets_api.transition": ("tenant_admin", {"json": lambda w: {"action": "urge", "note": "请尽快"},
                                                "prepare": ticket_in("submitted")}),
    "roster.import_upload": ("tenant_admin", {"form": lambda w: {"file": roster_file(w)}}),
    "roster.import_confirm": ("tenant_admin", {"prepare": lambda client, w: {"upload": staged_roster(client, w)}}),
    "roster_api.import_roster": ("tenant_admin", {"form": lambda w: {"file": roster_file(w)}}),
    # 12345 hotline: the import's upload and staged confirm, the review list's assign and dismiss, the directory
    "hotline.import_upload": ("tenant_admin", {"form": lambda w: {"file": hotline_file(w)}}),
    "hotline.import_confirm": ("tenant_admin", {"prepare": lambda client, w: {"upload": staged_hotline(client, w)}}),
    "hotline.assign": ("tenant_admin", {"form": lambda w: {"community_id": str(w.a.community_id)}}),
    "hotline.dismiss": ("tenant_admin", {"form": lambda w: {"reason": "重复工单"}}),
    "hotline.new_hotline": ("tenant_admin", {"form": lambda w: {"name": "街道热线", "number": "0719-8650001",
                                                                "hours": "24 小时", "area_id": "", "position": "1"}}),
    "hotline.edit_hotline": ("tenant_admin", {"form": lambda w: {"name": "改名热线", "number": "0719-8650002",
                                                                 "hours": "工作日", "area_id": str(w.a.area_id),
                                                                 "position": "2"}}),
    "hotline.delete_hotline": ("tenant_admin", {"form": lambda w: {}}),
    # a photo of the problem, by the owner who filed the ticket while it waits to be accepted (multipart)
    "tickets_api.upload_photo": ("owner", {"form": lambda w: {"file": photo_file(), "stage": "report"},
                                           "prepare": ticket_in("submitted")}),
    "auth.login": ("anonymous", {"form": lambda w: {"identifier": w.a.logins[Role.BUREAU_ADMIN], "password": PASSWORD}}),
    "auth.logout": ("tenant_admin", {"form": lambda w: {}}),
    "auth.answer_invitation": ("platform_admin", {"form": lambda w: {}}),
    "auth.change_password": ("tenant_admin", {"form": lambda w: {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                                 "confirm_password": NEW_PASSWORD}}),
    "platform.create_tenant": ("platform_admin", {"form": lambda w: {
        "slug": "gamma", "kind": "bureau", "name_zh": "伽马县住建局", "name_en": "", "region": "",
        "time_zone": "Asia/Shanghai", "admin_login": "13800000002", "admin_name": "管理员", "admin_password": NEW_PASSWORD}}),
    "platform.tenant_status": ("platform_admin", {"form": lambda w: {"status": "read_only", "reason": "audit"}}),
    "platform.user_active": ("platform_admin", {"form": lambda w: {"reason": "left"}}),
    "platform.tenant_public_url": ("platform_admin", {"form": lambda w: {"public_url": "http://192.168.1.20:8000"}}),
    "members.add": ("tenant_admin", {"form": lambda w: {
        "login": "13800000003", "display_name": "新成员", "initial_password": NEW_PASSWORD, "role": "owner",
        "area_id": "", "firm_id": "", "community_id": ""}}),
    "members.edit": ("tenant_admin", {"form": lambda w: {"role": "committee_member", "community_id": str(w.a.community_id),
                                                         "area_id": "", "firm_id": "", "reason": "elected"}}),
    "members.set_active": ("tenant_admin", {"form": lambda w: {"reason": "moved away"}}),
    "members.reset_link": ("tenant_admin", {"form": lambda w: {}}),
    "api_pages.index": ("tenant_admin", {"form": lambda w: {"name": "laptop"}}),
    "api_pages.revoke": ("tenant_admin", {"form": lambda w: {}}),
    "api.create_token": ("tenant_admin", {"json": lambda w: {"name": "laptop"}}),
    "api.revoke_token": ("tenant_admin", {}),
    "owners.issue_codes": ("tenant_admin", {"form": lambda w: {"include_bound": "y"}}),
    "owners.revoke_code": ("tenant_admin", {"form": lambda w: {"reason": "slip lost"}}),
    "owners.reissue_code": ("tenant_admin", {"form": lambda w: {"reason": "slip lost"}}),
    "owners.revoke_binding": ("tenant_admin", {"form": lambda w: {"reason": "moved out"}}),
    "owners.register": ("anonymous", {"form": lambda w: {
        "code": w.a.claim_code, "mobile": "13800000007", "display_name": "新业主", "password": NEW_PASSWORD,
        "confirm_password": NEW_PASSWORD, "privacy_consent": "y"}}),
    "auth.reset_request": ("anonymous", {"form": lambda w: {"identifier": w.a.logins[Role.OWNER]}}),
    "auth.reset_code": ("anonymous", {"form": lambda w: {"code": "123456", "new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD},
                                      "prepare": lambda client, w: {"code": requested_code(client, w)}}),
    "auth.reset_link": ("anonymous", {"form": lambda w: {"new_password": NEW_PASSWORD,
                                                         "confirm_password": NEW_PASSWORD}}),
    "owners.add_unit": ("owner", {"form": lambda w: {"code": w.a.claim_code}}),
    "owners.register_send_code": ("anonymous", {"form": lambda w: {"code": w.a.claim_code, "mobile": "13800000017"}}),
    "auth.mobile_send_code": ("owner", {"form": lambda w: {"mobile": "13800000018", "current_password": PASSWORD}}),
    "auth.mobile_verify": ("owner", {"form": lambda w: {"code": "123456"},
                                     "prepare": lambda client, w: {"code": mobile_code(client, w)}}),
    "tenant_export.download": ("tenant_admin", {"form": lambda w: {}}),
    "tenant_export.delete": ("platform_admin", {"form": lambda w: {"reason": "leaves", "confirm_slug": w.a.slug},
                                                "prepare": exported_tenant}),
    "tenant_export.undelete": ("platform_admin", {"form": lambda w: {},
                                                  "prepare": lambda client, w: exported_tenant(client, w, delete=True)}),
    "tenant_settings.index": ("tenant_admin", {"form": lambda w: {"require_verified_mobile": "y"},
                                               "prepare": verified_admin}),
    "owners_api.issue_codes": ("tenant_admin", {"json": lambda w: {"include_bound": True}}),
    "owners_api.revoke_code": ("tenant_admin", {"json": lambda w: {"reason": "slip lost"}}),
    "owners_api.reissue_code": ("tenant_admin", {"json": lambda w: {"reason": "slip lost"}}),
    "checklists.new_draft": ("tenant_admin", {"form": lambda w: {"kind": "C", "note": ""}}),
    "checklists.publish": ("tenant_admin", {"form": lambda w: {"note": "annual review"}}),
    "checklists.discard": ("tenant_admin", {"form": lambda w: {"reason": ""}}),
    "checklists.section_add": ("tenant_admin", {"form": lambda w: {"code": "S3", "title_zh": "第三部分", "title_en": "",
                                                                   "weight": "0"}}),
    "checklists.section_edit": ("tenant_admin", {"form": lambda w: {"code": "S2", "title_zh": "第二部分", "title_en": "",
                                                                    "weight": "40"}}),
    "checklists.section_delete": ("tenant_admin", {"form": lambda w: {}}),
    "checklists.section_move": ("tenant_admin", {"form": lambda w: {"direction": "up"}}),
    "checklists.item_add": ("tenant_admin", {"form": lambda w: {"code": "S2.3", "text_zh": "新条目"}}),
    "checklists.item_edit": ("tenant_admin", {"form": lambda w: {"code": "S2.2", "text_zh": "改过的条目"}}),
    "checklists.item_delete": ("tenant_admin", {"form": lambda w: {}}),
    "checklists.item_move": ("tenant_admin", {"form": lambda w: {"direction": "up"}}),
    "checklists_api.create_draft": ("tenant_admin", {"json": lambda w: {"kind": "C"}}),
    # notice boards: the firm's staff save a draft and publish; the bureau administrator sets the due rules
    "disclosures.edit_section": ("firm_staff", {"form": lambda w: {
        "action": "save", "f_firm_name": "物业", "f_project_manager": "经理", "f_manager_phone": "13700000000",
        "f_hotline": "0635-2222222", "f_price_complaint_line": "12358"}}),
    "disclosures.due_rules": ("tenant_admin", {"form": lambda w: {
        **{f"freq_{s.value}": r.frequency.value for s, r in BOARD_RULES.items()},
        **{f"days_{s.value}": str(r.days) for s, r in BOARD_RULES.items()}, "days_parking": "60"}}),
    "disclosures_api.save_draft": ("firm_staff", {"json": lambda w: {"content": BOARD_IDENTITY}}),
    "disclosures_api.publish": ("firm_staff", {"json": lambda w: {"content": BOARD_IDENTITY}}),
    # objections: the owner files, accepts and escalates; the firm's staff answer; the street officer decides
    "objections.file": ("owner", {"form": lambda w: {"item": "section", "reason": "热线无人接听"}}),
    "objections.answer": ("firm_staff", {"form": lambda w: {"answer-answer": "已更正热线"}}),
    "objections.accept": ("owner", {"form": lambda w: {}, "prepare": lambda c, w: objection_in(c, w, "answered")}),
    "objections.escalate": ("owner", {"form": lambda w: {"escalate-note": "仍未解决"},
                                      "prepare": lambda c, w: objection_in(c, w, "answered")}),
    "objections.decide": ("area_officer", {"form": lambda w: {"decide-decision": "upheld", "decide-decision_reason": "属实"},
                                           "prepare": lambda c, w: objection_in(c, w, "escalated")}),
    "objections.settings": ("tenant_admin", {"form": lambda w: {"answer_days": "7"}}),
    # notifications: the owner marks their notice read (one, all) and sets their preferences
    "notifications.read": ("owner", {"form": lambda w: {}}),
    "notifications.read_all": ("owner", {"form": lambda w: {}}),
    "notifications.preferences": ("owner", {"form": lambda w: {"locale": "en", "email": "y"}}),
    "notifications_api.mark_read": ("owner", {"json": lambda w: {"read": True}}),
    "notifications_api.mark_all_read": ("owner", {"json": lambda w: {}}),
    "objections_api.file_objection": ("owner", {"json": lambda w: {"board_id": w.a.board_id, "seq": w.a.board_seq,
                                                                   "reason": "热线无人接听"}}),
    "objections_api.answer_objection": ("firm_staff", {"json": lambda w: {"answer": "已更正热线"}}),
    "objections_api.accept_objection": ("owner", {"prepare": lambda c, w: objection_in(c, w, "answered")}),
    "objections_api.escalate_objection": ("owner", {"json": lambda w: {"note": "仍未解决"},
                                                    "prepare": lambda c, w: objection_in(c, w, "answered")}),
    "objections_api.decide_objection": ("area_officer", {"json": lambda w: {"decision": "upheld", "reason": "属实"},
                                                         "prepare": lambda c, w: objection_in(c, w, "escalated")}),
    # satisfaction list: a draft of another month; saving; a correction of the world's published list
    "satisfaction.create": ("tenant_admin", {"form": lambda w: {"month": "2026-09", "min_cases": "20",
                                                                "min_firm_cases": "5"}}),
    "satisfaction.save": ("tenant_admin", {"form": lambda w: {}}),
    "satisfaction.publish": ("tenant_admin", {"form": lambda w: {"reason": "更正"}, "prepare": satisfaction_case_chosen}),
    "satisfaction_api.create_draft": ("tenant_admin", {"json": lambda w: {"month": "2026-09"}}),
    "satisfaction_api.edit_draft": ("tenant_admin", {"json": lambda w: {"entries": []}}),
    "satisfaction_api.publish": ("tenant_admin", {"json": lambda w: {"reason": "更正"}, "prepare": satisfaction_case_chosen}),
    # evaluation, scoring part: every list item 0 points is a valid assessment
    "evaluation.score_unit": ("owner", {"form": lambda w: {f"stars_A{i}": "3" for i in range(1, 7)}}),
    "evaluation.moderate_comment": ("tenant_admin", {"form": lambda w: {"decision": "publish", "reason": ""}}),
    "evaluation.assess": ("tenant_admin", {"form": lambda w: {**zero_points("C", "pts_"), "assessed_on": "2026-11-20"}}),
    "evaluation.inspect": ("tenant_admin", {"form": lambda w: {**zero_points("A", "pts_"), "assessed_on": "2026-11-20"}}),
    "evaluation.assessment": ("tenant_admin", {"form": lambda w: {**zero_points("A", "pts_"), "assessed_on": "2026-11-20"}}),
    "evaluation_api.put_score": ("owner", {"json": lambda w: {"ratings": {f"A{i}": 4 for i in range(1, 7)}}}),
    "evaluation_api.moderate_comment": ("tenant_admin", {"json": lambda w: {"decision": "publish"}}),
    "evaluation_api.create_assessment": ("tenant_admin", {"json": lambda w: {
        "kind": "community", "community_id": w.a.community_id, "item_scores_cp": zero_points("C"),
        "assessed_on": "2026-11-20"}}),
    "evaluation_api.put_assessment": ("tenant_admin", {"json": lambda w: {"item_scores_cp": zero_points("A"),
                                                                          "assessed_on": "2026-11-20"}}),
    "checklists_api.add_section": ("tenant_admin", {"json": lambda w: {"code": "S3", "title_zh": "第三部分", "weight": 0}}),
    "checklists_api.update_section": ("tenant_admin", {"json": lambda w: {"weight": "39.5"}}),
    "checklists_api.delete_section": ("tenant_admin", {}),
    "checklists_api.move_section": ("tenant_admin", {"json": lambda w: {"direction": "up"}}),
    "checklists_api.add_item": ("tenant_admin", {"json": lambda w: {"code": "S2.3", "text_zh": "新条目"}}),
    "checklists_api.update_item": ("tenant_admin", {"json": lambda w: {"to_verify": True}}),
    "checklists_api.delete_item": ("tenant_admin", {}),
    "checklists_api.move_item": ("tenant_admin", {"json": lambda w: {"direction": "up"}}),
    "checklists_api.publish": ("tenant_admin", {"json": lambda w: {"note": "annual review"}}),
    "checklists_api.discard": ("tenant_admin", {}),
    # registry: areas, communities, buildings, committees, firms, managers, contracts
    "communities.areas": ("tenant_admin", {"form": lambda w: {"kind": "street", "name": "新街道", "parent_id": ""}}),
    "communities.area_edit": ("tenant_admin", {"form": lambda w: {"name": "改名街道"}}),
    "communities.create": ("tenant_admin", {"form": lambda w: {
        "name": "新小区", "address": "", "area_id": str(w.a.office_id), "service_grade": "grade1", "declared_units": "10",
        "revenue_bank": "", "revenue_account_name": "", "revenue_account_number": ""}}),
    "communities.edit": ("tenant_admin", {"form": lambda w: {
        "name": "改名小区", "address": "", "area_id": str(w.a.office_id), "service_grade": "grade1", "declared_units": "10",
        "revenue_bank": "", "revenue_account_name": "", "revenue_account_number": ""}}),
    "communities.building_add": ("tenant_admin", {"form": lambda w: {"name": "9号楼"}}),
    "communities.building_edit": ("tenant_admin", {"form": lambda w: {"name": "改名楼"}}),
    "communities.committee": ("tenant_admin", {"form": lambda w: {"term_start": "2024-06-01", "term_end": "2027-05-31",
                                                                  "filing_date": "", "filing_ref": ""}}),
    "communities.committee_member_add": ("tenant_admin", {"form": lambda w: {"name": "委员甲", "position": "member",
                                                                             "phone": ""}}),
    "communities.committee_member_edit": ("tenant_admin", {"form": lambda w: {"name": "主任乙", "position": "director",
                                                                              "phone": ""}}),
    "communities.committee_member_remove": ("tenant_admin", {"form": lambda w: {"reason": "resigned"}}),
    "firms.create": ("tenant_admin", {"form": lambda w: {"name": "新物业", "credit_code": "91370000000000009G",
                                                         "licence_no": "", "contact_name": "", "contact_phone": "",
                                                         "address": ""}}),
    "firms.edit": ("tenant_admin", {"form": lambda w: {"name": "改名物业", "credit_code": "91370000000000009G",
                                                       "licence_no": "", "contact_name": "", "contact_phone": "",
                                                       "address": ""}}),
    "firms.manager_add": ("tenant_admin", {"form": lambda w: {"name": "新经理", "phone": "", "certificate_no": ""}}),
    "firms.manager_edit": ("tenant_admin", {"form": lambda w: {"name": "改名经理", "phone": "", "certificate_no": ""}}),
    "firms.contract_create": ("tenant_admin", {"form": lambda w: {
        "firm_id": str(w.a.firm_id), "community_id": str(w.a.community_id), "start_date": "2020-01-01",
        "end_date": "2020-12-31", "fee_model": "lump_sum", "grade": "grade2", "manager_id": ""}}),
    "firms.contract_edit": ("tenant_admin", {"form": lambda w: {"fee_model": "commission", "grade": "grade2",
                                                                "manager_id": ""}}),
    "firms.contract_end": ("tenant_admin", {"form": lambda w: {"end_date": "2025-12-31", "reason": "合同到期"}}),
    "communities_api.create_area": ("tenant_admin", {"json": lambda w: {"kind": "street", "name": "新街道"}}),
    "communities_api.update_area": ("tenant_admin", {"json": lambda w: {"name": "改名街道"}}),
    "communities_api.create_community": ("tenant_admin", {"json": lambda w: {
        "name": "新小区", "area_id": w.a.office_id, "service_grade": "grade1"}}),
    "communities_api.update_community": ("tenant_admin", {"json": lambda w: {"name": "改名小区"}}),
    "communities_api.create_building": ("tenant_admin", {"json": lambda w: {"name": "9号楼"}}),
    "communities_api.update_building": ("tenant_admin", {"json": lambda w: {"name": "改名楼"}}),
    "communities_api.put_committee": ("tenant_admin", {"json": lambda w: {
        "term_start": "2024-06-01", "term_end": "2027-05-31", "members": [{"name": "委员甲", "position": "member"}]}}),
    "firms_api.create_firm": ("tenant_admin", {"json": lambda w: {"name": "新物业", "credit_code": "91370000000000009G"}}),
    "firms_api.update_firm": ("tenant_admin", {"json": lambda w: {"name": "改名物业"}}),
    "firms_api.create_manager": ("tenant_admin", {"json": lambda w: {"name": "新经理"}}),
    "firms_api.update_manager": ("tenant_admin", {"json": lambda w: {"name": "改名经理"}}),
    "firms_api.create_contract": ("tenant_admin", {"json": lambda w: {
        "firm_id": w.a.firm_id, "community_id": w.a.community_id, "start_date": "2020-01-01",
        "end_date": "2020-12-31", "fee_model": "lump_sum"}}),
    "firms_api.update_contract": ("tenant_admin", {"json": lambda w: {"fee_model": "commission"}}),
    "firms_api.end_contract": ("tenant_admin", {"json": lambda w: {"end_date": "2025-12-31", "reason": "合同到期"}}),
    # public-revenue ledger (the world's bureau administrator: the settings; elsewhere the refusal comes first)
    # (the community's firm keeps its ledger; its committee signs off the quarter awaiting sign-off)
    "ledger.entry_new": ("firm_staff", {"form": lambda w: {"entry_date": "2026-07-01", "category": "parking",
                                                          "amount": "100.00", "counterparty": "停车公司",
                                                          "account_type": "dedicated", "note": ""}}),
    "ledger.entry_reverse": ("firm_staff", {"form": lambda w: {"reason": "录入错误"}}),
    "ledger.voucher_add": ("firm_staff", {"form": lambda w: {"voucher": voucher_file()}}),
    "ledger.sign_off": ("committee_member", {"form": lambda w: {}}),
    "ledger.settings": ("tenant_admin", {"form": lambda w: {"repair_fund_low": "y", "min_repair_percent": "50"}}),
    "ledger.category_add": ("tenant_admin", {"form": lambda w: {"name_zh": "新类别", "name_en": "", "kind": "income"}}),
    "ledger.category_edit": ("tenant_admin", {"form": lambda w: {"name_zh": "改名类别", "name_en": ""}}),
    "ledger.category_retire": ("tenant_admin", {"form": lambda w: {}}),
    # billing: the platform's price list (no Stripe call), and what needs the local Stripe server ("stripe":
    # its "setup" gives tenant A a running subscription there first)
    "billing.plan_new": ("platform_admin", {"form": lambda w: {
        "code": "county_plus", "kind": "bureau", "name_zh": "县级增强版", "name_en": "", "max_communities": "500",
        "monthly_yuan": "2000", "is_active": "y"}}),
    "billing.plan_edit": ("platform_admin", {"form": lambda w: {
        "code": "county", "kind": "bureau", "name_zh": "县级版", "name_en": "County", "max_communities": "300",
        "monthly_yuan": "1600.00", "is_active": "y"}}),
    "billing.pay": ("tenant_admin", {"stripe": True, "form": lambda w: {"plan": "county", "payment_method": "pm_card_visa"}}),
    "billing.change_plan": ("tenant_admin", {"stripe": True, "setup": "subscribed", "form": lambda w: {"plan": "city"}}),
    "billing.cancel": ("tenant_admin", {"stripe": True, "setup": "subscribed", "form": lambda w: {}}),
    # evaluation results: the firm appeals and works its rectification plan; the bureau decides and re-inspects
    "evaluation.appeal_new": ("firm_staff", {"form": lambda w: {"item": "owner:0", "statement": "评分期间停电"},
                                             "prepare": evaluation_case_ready("appeal")}),
    "evaluation.appeal_detail": ("tenant_admin", {"form": lambda w: {"decision": "rejected", "reason": "记录属实"}}),
    "evaluation.plan_write": ("firm_staff", {"form": lambda w: {"plan-plan": "清理消防通道"}}),
    "evaluation.plan_milestone_add": ("firm_staff", {"form": lambda w: {"ms-title": "设置标识", "ms-due_on": "2026-11-20"}}),
    "evaluation.plan_milestone_done": ("firm_staff", {"form": lambda w: {"done-note": "已完成"}}),
    "evaluation.plan_submit": ("firm_staff", {"form": lambda w: {"photos": _evaluation_png()},
                                              "prepare": evaluation_case_ready("submit")}),
    "evaluation.plan_reinspect": ("tenant_admin", {"form": lambda w: {"re-outcome": "verified", "re-note": "已整改"},
                                                   "prepare": evaluation_case_ready("reinspect")}),
    "billing.resume": ("tenant_admin", {"stripe": True, "setup": "cancelling", "form": lambda w: {}}),
    "billing.signup_page": ("anonymous", {"stripe": True, "form": lambda w: {
        "plan": "firm_small", "name_zh": "新物业公司", "name_en": "", "slug": "newfirm", "region": "",
        "admin_login": "13800000009", "admin_name": "新管理员", "password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD,
        "billing_email": "", "payment_method": "pm_card_visa", "privacy_consent": "y"}}),
}
# Authenticated by a signature instead of a session (portal/security.py CSRF_EXEMPT_ENDPOINTS): refused
# without one, whatever CSRF token comes with it.
SIGNATURE_ROUTES = {"billing_webhook.receive"}


def objection_in(client, world: World, status: str) -> dict:
    """Put tenant A's objection in ``status`` (the state the request needs), as the earlier steps would have."""
    import sqlalchemy as sa

    from portal.objections.models import Objection, ObjectionStatus
    from tenants import tenant_scope
    from tenants.models import Tenant

    with client.application.app_context():
        tenant = _db.session.get(Tenant, world.a.tenant_id)
        with tenant_scope(tenant):
            objection = _db.session.scalar(sa.select(Objection).where(Objection.id == world.a.objection_id))
            objection.status = ObjectionStatus(status)
            _db.session.commit()
        _db.session.remove()
    return {}


def english(client):
    client.set_cookie("portal_lang", "en")
    return client


def clients(app, world: World) -> dict:
    """One signed-in client per kind of sender, plus its valid token; and a token of a different session."""
    from tests.factories import open_invitation, open_reset_link

    with app.app_context():
        open_invitation(world)  # for the platform administrator to accept or decline
        open_reset_link(world, LINK_TOKEN)  # for the reset link page
        _db.session.remove()
    made = {}
    for name, identifier in (("tenant_admin", world.a.logins[Role.BUREAU_ADMIN]),
                             ("platform_admin", world.platform_admin_login),
                             ("owner", world.a.logins[Role.OWNER]),
                             ("firm_staff", world.a.logins[Role.FIRM_STAFF]),
                             ("committee_member", world.a.logins[Role.COMMITTEE_MEMBER]),
                             ("area_officer", world.a.logins[Role.AREA_OFFICER])):
        client = english(app.test_client())
        assert login(client, identifier).status_code == 302
        made[name] = (client, csrf_token_for(client))
    anon = english(app.test_client())
    made["anonymous"] = (anon, csrf_from(anon.get("/login").text))
    other = app.test_client()
    assert login(other, world.a.logins[Role.BUREAU_STAFF]).status_code == 302
    made["other_session_token"] = csrf_token_for(other)
    return made


def prepare(client, spec: dict, world: World) -> dict:
    """State the request refers to that only the app can make (a kept upload, a reset code), made
    before the database is fingerprinted so that only the request's own changes count."""
    return spec["prepare"](client, world) if "prepare" in spec else {}


def send(client, method: str, url: str, spec: dict, world: World, *, token: str | None, header: bool = True,
         prepared: dict | None = None):
    headers = {"X-CSRFToken": token} if (token and header) else {}
    if "json" in spec:
        return client.open(url, method=method, headers=headers, data=json.dumps(spec["json"](world)),
                           content_type="application/json")
    data = spec["form"](world) if "form" in spec else {}
    data.update(prepared if prepared is not None else prepare(client, spec, world))
    if token:
        data["csrf_token"] = token
    return client.open(url, method=method, data=data, headers=headers)


def state_changing(app):
    for rule in rules(app):
        for method in methods(rule):
            if method in STATE_CHANGING:
                yield rule, method


def csrf_refusal(response) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return CSRF_MESSAGE in response.json["error"]["message"]
    return CSRF_MESSAGE in response.get_data(as_text=True)


def test_no_route_is_exempt_from_csrf_but_the_signed_webhook(app, world: World):
    # Only the Stripe webhook, authenticated by its signature on the raw body, is listed here.
    assert CSRF_EXEMPT_ENDPOINTS == frozenset(SIGNATURE_ROUTES)
    before = db_state(app)
    for settings in ({}, {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}):
        saved = {k: app.config.get(k) for k in settings}
        app.config.update(settings)
        try:
            response = app.test_client().post("/billing/stripe/webhook", data=b'{"id": "evt_1", "type": "x"}',
                                              content_type="application/json")
        finally:
            app.config.update(saved)
        assert response.status_code == (400 if settings else 404)
    assert changed_tables(before, db_state(app)) == []
    assert config.ProductionConfig.WTF_CSRF_ENABLED is True and config.TestConfig.WTF_CSRF_ENABLED is True
    assert app.config["WTF_CSRF_ENABLED"] is True


def test_state_changing_routes_refuse_missing_or_wrong_tokens(app, world: World, record_property):
    made = clients(app, world)
    routes = list(state_changing(app))
    problems, rejected_routes, cases = [], 0, 0
    for rule, method in routes:
        if rule.endpoint in SIGNATURE_ROUTES:
            rejected_routes += 1  # test_no_route_is_exempt_from_csrf_but_the_signed_webhook
            continue
        if rule.endpoint not in VALID_REQUESTS or unmapped_arguments(rule):
            problems.append(f"{method} {rule.rule}: add it to VALID_REQUESTS / tests/routewalk.py")
            continue
        sender, spec = VALID_REQUESTS[rule.endpoint]
        client, _valid = made[sender]
        route_ok = True
        for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
            for label, token in (("no token", None), ("garbage token", "not-a-token"),
                                 ("another session's token", made["other_session_token"])):
                # What a route's preparation made (e.g. a deleted tenant to restore) goes away after it.
                with rolled_back(app, client):
                    prepared = prepare(client, spec, world)
                    before = db_state(app)
                    response = send(client, method, url, spec, world, token=token, prepared=prepared)
                    changed = changed_tables(before, db_state(app))
                cases += 1
                if not csrf_refusal(response) or changed:
                    route_ok = False
                    problems.append(f"{method} {url} ({label}) as {sender}: {response.status_code}, changed {changed}")
        rejected_routes += route_ok
    # The senders are still signed in: nothing above logged them out or changed their password.
    assert made["tenant_admin"][0].get("/account/password").status_code == 200

    summary = f"csrf_walk state_changing_routes={len(routes)} rejected_without_token={rejected_routes} cases={cases}"
    print("\n" + summary)
    record_property("csrf_walk", summary)
    assert not problems, summary + "\n" + "\n".join(problems)
    assert rejected_routes == len(routes) > 0


@contextlib.contextmanager
def rolled_back(app, *clients):
    """Run one request inside a savepoint that is rolled back; the clients' cookies are put back too."""
    with app.app_context():
        connection = _db.engines[None]
    saved = [(c, list(c._cookies.values())) for c in clients]
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        savepoint.rollback()
        for client, cookies in saved:
            client._cookies.clear()
            for cookie in cookies:
                client._cookies[(cookie.domain, cookie.path, cookie.key)] = cookie


def test_positive_control_the_same_requests_with_a_token_are_accepted(app, world: World):
    """The refusals above are the CSRF guard's doing: with the session's token each request goes through."""
    made = clients(app, world)
    start = db_state(app)
    problems = []
    for rule, method in state_changing(app):
        if rule.endpoint in SIGNATURE_ROUTES or VALID_REQUESTS[rule.endpoint][1].get("stripe"):
            continue  # the next test, with the local Stripe server
        sender, spec = VALID_REQUESTS[rule.endpoint]
        client, token = made[sender]
        for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
            with rolled_back(app, client):
                prepared = prepare(client, spec, world)
                before = db_state(app)
                response = send(client, method, url, spec, world, token=token, prepared=prepared)
                changed = changed_tables(before, db_state(app))
            if response.status_code >= 400 or not changed:
                problems.append(f"{method} {url} as {sender} with a valid token: {response.status_code}, changed {changed}")
    assert not problems, "\n".join(problems)
    assert changed_tables(start, db_state(app)) == []  # every accepted request was rolled back


def billing_setup(app, world: World, setup: str | None) -> None:
    """Tenant A subscribed at the local Stripe server ("subscribed"), and about to end ("cancelling")."""
    if setup is None:
        return
    from tests.portal.billing.helpers import set_account, subscribe_tenant
    from tenants.billing import gateway as gw

    state = subscribe_tenant(app, world.a.tenant_id)
    if setup == "cancelling":
        with app.app_context():
            gw.gateway(app).set_cancel_at_period_end(state["stripe_subscription_id"], True)
        set_account(app, world.a.tenant_id, cancel_at_period_end=True)


def test_positive_control_billing_requests_with_a_token_are_accepted(app, world: World, billing_on):
    """The same for the routes that call Stripe: against the local Stripe server."""
    made = clients(app, world)
    start = db_state(app)
    problems = []
    for rule, method in state_changing(app):
        sender, spec = VALID_REQUESTS.get(rule.endpoint, (None, {}))
        if not spec.get("stripe"):
            continue
        client, token = made[sender]
        for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
            with rolled_back(app, client):
                billing_setup(app, world, spec.get("setup"))
                before = db_state(app)
                response = send(client, method, url, spec, world, token=token, prepared={})
                changed = changed_tables(before, db_state(app))
            if response.status_code >= 400 or not changed:
                problems.append(f"{method} {url} as {sender} with a valid token: {response.status_code}, changed {changed}")
    assert not problems, "\n".join(problems)
    assert changed_tables(start, db_state(app)) == []


def test_bearer_api_call_without_cookie_needs_no_csrf_token(app, world: World):
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    before = db_state(app)
    response = app.test_client().post("/api/v1/t/alpha/areas", json={"kind": "street", "name": "ci"}, headers=bearer)
    assert response.status_code == 201, response.text
    assert response.json["name"] == "ci" and response.json["kind"] == "street"
    assert changed_tables(before, db_state(app)) == ["areas", "audit_events"]


def test_bearer_api_call_riding_on_a_session_cookie_needs_the_token(app, world: World, client_as):
    browser = english(client_as(Role.BUREAU_ADMIN, "a"))
    bearer = {"Authorization": f"Bearer {world.a.token_secret}"}
    before = db_state(app)
    response = browser.post("/api/v1/t/alpha/areas", json={"kind": "street", "name": "ci"}, headers=bearer)
    assert csrf_refusal(response), (response.status_code, response.text)
    assert response.json["error"]["code"] == "bad_request"
    assert changed_tables(before, db_state(app)) == []
    # With the session's token the very same call is accepted.
    response = browser.post("/api/v1/t/alpha/areas", json={"kind": "street", "name": "ci"},
                            headers={**bearer, "X-CSRFToken": csrf_token_for(browser)})
    assert response.status_code == 201, response.text
