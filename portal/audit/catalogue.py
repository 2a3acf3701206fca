"""Every audit action code with the sentence that tells a reader what happened, in the reader's language.

The codes stay in the database and the API; only the page turns them into sentences. The summaries were
written for machines ("A v2 S1", "+2 ~0 =1", "name → bureau_admin"), so each sentence takes its details
from the event's before/after snapshot where there is one and otherwise reads them out of the summary.
A test fails when a code recorded anywhere in the code base has no sentence here.
"""
from __future__ import annotations

import json
import re
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.audit.models import AuditEvent

# The sentence is what the actor did; the actor is shown next to it. Placeholders that an event cannot
# fill stay empty rather than failing (see _Details).
ACTION_SENTENCES = {
    "tenant.created": _l("created the tenant %(summary)s"),
    "tenant.status": _l("changed the tenant's status from %(old_status)s to %(new_status)s"),
    "tenant.public_url": _l("changed the address printed on slips and QR codes"),
    "tenant.exported": _l("exported all of the tenant's data: %(rows)s records and %(uploads)s files"),
    "tenant.deleted": _l("deleted the tenant (it can be restored until the grace period ends)"),
    "tenant.undeleted": _l("restored the deleted tenant"),
    "tenant.imported": _l("imported the tenant from an export: %(rows)s records and %(uploads)s files"),
    "tenant.mobile_verification_required": _l("required every member to verify their mobile number with a code"),
    "tenant.mobile_verification_optional": _l("stopped requiring members to verify their mobile number"),
    "member.reset_link_issued": _l("issued a one-time password reset link for %(summary)s"),
    "user.enabled": _l("enabled the account of %(summary)s"),
    "user.disabled": _l("disabled the account of %(summary)s"),
    "member.added": _l("added %(name)s as %(role)s"),
    "member.invited": _l("invited %(name)s as %(role)s"),
    "member.invitation_accepted": _l("accepted the invitation and became %(role)s"),
    "member.invitation_declined": _l("declined the invitation as %(role)s"),
    "member.invitation_withdrawn": _l("withdrew the invitation of %(name)s as %(role)s"),
    "member.changed": _l("changed the role of %(name)s from %(old_role)s to %(role)s"),
    "member.activated": _l("reactivated the member %(summary)s"),
    "member.deactivated": _l("deactivated the member %(summary)s"),
    "api_token.created": _l("created the API token %(summary)s"),
    "api_token.revoked": _l("revoked the API token %(summary)s"),
    "api_token.revoked_all": _l("revoked all %(count)s API tokens of %(name)s"),
    "checklist.published": _l("published version %(number)s of list %(kind)s"),
    "board.draft_saved": _l("saved a draft of a notice-board section (%(summary)s)"),
    "board.draft_discarded": _l("discarded a draft of a notice-board section (%(summary)s)"),
    "board.published": _l("published a notice-board section (%(summary)s)"),
    "board.corrected": _l("published a correction of a notice-board section (%(summary)s)"),
    "board.due_rule_changed": _l("changed when a notice-board section falls due (%(summary)s)"),
    "board.deadlines_checked": _l("checked the notice-board deadlines (%(summary)s)"),
    "objection.filed": _l("filed an objection to a notice-board item (%(summary)s)"),
    "objection.answered": _l("answered an objection to a notice-board item (%(summary)s)"),
    "objection.accepted": _l("accepted the firm's answer to an objection (%(summary)s)"),
    "objection.escalated": _l("escalated an objection to the street office (%(summary)s)"),
    "objection.decided": _l("decided an escalated objection (%(summary)s)"),
    "objection.answer_days_changed": _l("changed the working days a firm has to answer an objection (%(summary)s)"),
    # evaluation results: the ladder, rectification plans, appeals
    "evaluation.ladder_applied": _l("placed the projects of evaluation period %(object_id)s on the elimination ladder"),
    "evaluation.rectification_opened": _l("opened rectification plan %(object_id)s after a card"),
    "evaluation.rectification_planned": _l("wrote rectification plan %(object_id)s"),
    "evaluation.milestone_added": _l("added a step to rectification plan %(object_id)s"),
    "evaluation.milestone_done": _l("marked a step of rectification plan %(object_id)s done"),
    "evaluation.rectification_submitted": _l("reported rectification plan %(object_id)s done"),
    "evaluation.rectification_reinspected": _l("re-inspected rectification plan %(object_id)s"),
    "evaluation.appeal_filed": _l("filed evaluation appeal %(object_id)s"),
    "evaluation.appeal_decided": _l("decided evaluation appeal %(object_id)s"),
    "evaluation.scheme_created": _l("created a version of the evaluation scheme (%(summary)s)"),
    "evaluation.scheme_edited": _l("edited a draft of the evaluation scheme (%(summary)s)"),
    "evaluation.scheme_published": _l("published a version of the evaluation scheme (%(summary)s)"),
    "evaluation.scheme_frozen": _l("froze a version of the evaluation scheme for a period (%(summary)s)"),
    "evaluation.period_created": _l("created an evaluation period (%(summary)s)"),
    "evaluation.period_open": _l("opened an evaluation period for owner scoring (%(summary)s)"),
    "evaluation.period_close": _l("closed owner scoring of an evaluation period (%(summary)s)"),
    "evaluation.period_compute": _l("computed the draft results of an evaluation period (%(summary)s)"),
    "evaluation.period_appeal": _l("published the draft results and opened the appeal window (%(summary)s)"),
    "evaluation.period_publish": _l("published the final results of an evaluation period (%(summary)s)"),
    "evaluation.bonus_recorded": _l("recorded a bonus for a project (%(summary)s)"),
    "evaluation.penalty_recorded": _l("recorded a penalty for a project (%(summary)s)"),
    "evaluation.veto_recorded": _l("recorded a veto event for a project (%(summary)s)"),
    "evaluation.evidence_added": _l("added an evidence photo to a bonus, penalty or veto record"),
    "evaluation.adjustment_revoked": _l("revoked a bonus, penalty or veto record (%(summary)s)"),
    "evaluation.disclosure_penalties": _l("derived penalties from overdue disclosures and late objections (added, updated, unchanged: %(summary)s)"),
    "evaluation.owner_scored": _l("scored the firm serving their community (%(summary)s)"),
    "evaluation.owner_rescored": _l("changed their score of the firm serving their community (%(summary)s)"),
    "evaluation.comment_published": _l("published an owner's comment of the evaluation (%(summary)s)"),
    "evaluation.comment_hidden": _l("hid an owner's comment of the evaluation (%(summary)s)"),
    "evaluation.community_assessed": _l("recorded a community assessment of a project (%(summary)s)"),
    "evaluation.authority_assessed": _l("recorded a bureau inspection of a project (%(summary)s)"),
    "evaluation.assessment_corrected": _l("corrected an assessment of a project (%(summary)s)"),
    "checklist.draft_created": _l("started draft version %(number)s of list %(kind)s"),
    "checklist.superseded": _l("replaced version %(number)s of list %(kind)s with version %(new_number)s"),
    "checklist.discarded": _l("discarded draft version %(number)s of list %(kind)s"),
    "checklist.frozen": _l("froze version %(number)s of list %(kind)s"),
    "checklist.section_added": _l("added section %(code)s to version %(number)s of list %(kind)s"),
    "checklist.section_changed": _l("changed section %(code)s of version %(number)s of list %(kind)s"),
    "checklist.section_deleted": _l("deleted section %(code)s of version %(number)s of list %(kind)s"),
    "checklist.section_moved": _l("moved section %(code)s of version %(number)s of list %(kind)s %(direction)s"),
    "checklist.item_added": _l("added item %(code)s to version %(number)s of list %(kind)s"),
    "checklist.item_changed": _l("changed item %(code)s of version %(number)s of list %(kind)s"),
    "checklist.item_deleted": _l("deleted item %(code)s of version %(number)s of list %(kind)s"),
    "checklist.item_moved": _l("moved item %(code)s of version %(number)s of list %(kind)s %(direction)s"),
    "area.created": _l("created the area %(summary)s"),
    "area.renamed": _l("renamed the area %(old)s to %(new)s"),
    "community.created": _l("created the community %(summary)s"),
    "community.updated": _l("changed the community %(summary)s"),
    "building.created": _l("created the building %(summary)s"),
    "building.updated": _l("changed the building %(old)s to %(new)s"),
    "committee.created": _l("set up the owners' committee of %(summary)s"),
    "committee.updated": _l("changed the owners' committee of %(summary)s"),
    "committee.member_added": _l("added %(summary)s to an owners' committee"),
    "committee.member_updated": _l("changed the committee member %(summary)s"),
    "committee.member_removed": _l("removed %(summary)s from an owners' committee"),
    "committee.members_replaced": _l("replaced the members of the owners' committee of %(summary)s"),
    "firm.created": _l("added the property firm %(summary)s"),
    "firm.updated": _l("changed the property firm %(summary)s"),
    "manager.created": _l("added the project manager %(summary)s"),
    "manager.updated": _l("changed the project manager %(summary)s"),
    "contract.created": _l("added the contract %(summary)s"),
    "contract.updated": _l("changed the contract %(summary)s"),
    "contract.ended": _l("ended the contract %(summary)s"),
    "roster.uploaded": _l("uploaded the roster file %(filename)s for %(community)s (%(rows)s rows)"),
    "roster.imported": _l("imported the roster of %(community)s: %(inserted)s units added, "
                          "%(updated)s updated, %(unchanged)s unchanged"),
    "claim_code.issued": _l("issued a claim code for %(summary)s"),
    "claim_code.revoked": _l("revoked the claim code of %(summary)s"),
    "claim_code.reissued": _l("issued a new claim code for %(summary)s"),
    "owner.bound": _l("bound %(name)s to the unit %(unit)s"),
    "owner.unbound": _l("unbound %(name)s from the unit %(unit)s"),
    "billing.signed_up": _l("signed the tenant up on the plan %(plan)s"),
    "billing.subscribed": _l("started the paid subscription on the plan %(plan)s"),
    "billing.paid": _l("paid the overdue invoices with a new card"),
    "billing.card_changed": _l("changed the card that pays the subscription"),
    "billing.plan_changed": _l("changed the plan from %(old_plan)s to %(plan)s"),
    "billing.cancel_scheduled": _l("cancelled the subscription at the end of the paid period"),
    "billing.resumed": _l("took back the cancellation of the subscription"),
    "billing.lapsed": _l("the subscription lapsed: the tenant became read-only (no data deleted)"),
    "billing.restored": _l("payment arrived: the tenant can make changes again"),
    # tickets (repairs and complaints); the ticket is the event's object
    "ticket.filed": _l("filed ticket %(object_id)s"),
    "ticket.photo_added": _l("added a photo to ticket %(object_id)s"),
    "hotline.uploaded": _l("uploaded the 12345 export %(filename)s (%(rows)s rows)"),
    "hotline.imported": _l("imported 12345 work orders: %(ticketed)s tickets created, %(review)s to review, %(already)s imported before"),
    "hotline.order_assigned": _l("filed the 12345 work order %(summary)s as a ticket of that community"),
    "hotline.order_dismissed": _l("dismissed the 12345 work order %(summary)s"),
    "hotline.added": _l("added %(summary)s to the hotline directory"),
    "hotline.changed": _l("changed %(summary)s in the hotline directory"),
    "hotline.removed": _l("removed %(summary)s from the hotline directory"),
    # comprehensive evaluation: the computation of a period (a new run of results)
    "evaluation.computed": _l("computed the results of evaluation period %(object_id)s"),
    "ticket.accept": _l("accepted ticket %(object_id)s and assigned it"),
    "ticket.start": _l("started work on ticket %(object_id)s"),
    "ticket.resolve": _l("marked ticket %(object_id)s resolved"),
    "ticket.confirm": _l("confirmed and rated ticket %(object_id)s"),
    "ticket.auto_confirm": _l("ticket %(object_id)s was confirmed automatically: the owner did not answer"),
    "ticket.reopen": _l("reopened ticket %(object_id)s: not fixed"),
    "ticket.follow_up": _l("recorded a follow-up visit for ticket %(object_id)s"),
    "ticket.close": _l("closed ticket %(object_id)s"),
    "ticket.triaged": _l("triaged ticket %(object_id)s as simple or complex"),
    "ticket.consultation_recorded": _l("recorded a joint consultation on ticket %(object_id)s"),
    "ticket.urged": _l("urged the firm on ticket %(object_id)s"),
    "ticket.extended": _l("extended the deadline of ticket %(object_id)s"),
    "ticket.reassigned": _l("reassigned ticket %(object_id)s"),
    "ticket.escalated": _l("ticket %(object_id)s was escalated: overdue"),
    "satisfaction_list.drafted": _l("drafted the satisfaction list of %(summary)s"),
    "satisfaction_list.edited": _l("edited the satisfaction list of %(summary)s"),
    "satisfaction_list.published": _l("published the satisfaction list of %(summary)s"),
    "satisfaction_list.corrected": _l("published a correction of the satisfaction list: %(summary)s"),
    "ticket.spot_check_drawn": _l("drew the spot-check sample of the half month %(summary)s"),
    "ticket.spot_check_called": _l("recorded the spot-check call on ticket %(object_id)s"),
    "ticket_category.updated": _l("changed the ticket category %(summary)s"),
    "calendar.day_set": _l("set a day of the working-day calendar: %(summary)s"),
    "calendar.day_removed": _l("removed a day from the working-day calendar: %(summary)s"),
    "ledger.entry_recorded": _l("recorded a public-revenue entry: %(summary)s"),
    "ledger.entry_reversed": _l("reversed public-revenue entry %(summary)s"),
    "ledger.voucher_added": _l("added a voucher to public-revenue entry %(summary)s"),
    "ledger.statement_signed": _l("signed off the public-revenue statement %(summary)s"),
    "ledger.category_added": _l("added the ledger category %(summary)s"),
    "ledger.category_renamed": _l("renamed a ledger category to %(summary)s"),
    "ledger.category_retired": _l("retired the ledger category %(summary)s"),
    "ledger.rule_changed": _l("changed the repair-fund rule (%(summary)s)"),
}

# The filter's groups: choosing one shows every action whose code starts with it.
ACTION_GROUPS = {
    "tenant.": _l("Tenant"),
    "user.": _l("Accounts"),
    "member.": _l("Members"),
    "api_token.": _l("API tokens"),
    "checklist.": _l("The three lists"),
    "area.": _l("Areas"),
    "community.": _l("Communities"),
    "building.": _l("Buildings"),
    "committee.": _l("Owners' committees"),
    "firm.": _l("Property firms"),
    "manager.": _l("Project managers"),
    "contract.": _l("Contracts"),
    "roster.": _l("Roster imports"),
    "claim_code.": _l("Claim codes"),
    "owner.": _l("Owners' units"),
    "billing.": _l("Billing"),
    "ledger.": _l("Public-revenue ledger"),
}

OBJECT_TYPES = {
    "tenant": _l("Tenant"),
    "user": _l("Account"),
    "membership": _l("Membership"),
    "api_token": _l("API token"),
    "checklist_version": _l("List version"),
    "checklist_section": _l("List section"),
    "checklist_item": _l("List item"),
    "area": _l("Area"),
    "community": _l("Community"),
    "building": _l("Building"),
    "owners_committee": _l("Owners' committee"),
    "committee_member": _l("Committee member"),
    "firm": _l("Property firm"),
    "project_manager": _l("Project manager"),
    "contract": _l("Contract"),
    "claim_code": _l("Claim code"),
    "unit_binding": _l("Owner's unit"),
    "billing_account": _l("Billing account"),
    "ticket": _l("Ticket"),
    "evaluation_period": _l("Evaluation period"),
    "ticket_category": _l("Ticket category"),
    "calendar_day": _l("Calendar day"),
    "spot_check": _l("Spot-check sample"),
    "ledger_entry": _l("Ledger entry"),
    "ledger_statement": _l("Quarterly statement"),
    "ledger_category": _l("Ledger category"),
    "ledger_settings": _l("Repair-fund rule"),
    "objection": _l("Objection"),
    "evaluation_scheme": _l("Evaluation scheme"),
    "evaluation_adjustment": _l("Bonus, penalty or veto record"),
    "evaluation_assessment": _l("Assessment record"),
    "evaluation_owner_score": _l("Owner's score"),
    "evaluation_appeal": _l("Evaluation appeal"),
    "evaluation_rectification_plan": _l("Rectification plan"),
    "hotline": _l("Hotline"),
    "hotline_order": _l("12345 work order"),
    "satisfaction_list": _l("Satisfaction list"),
}

_DIRECTIONS = {"up": _l("up"), "down": _l("down")}

# Summary shapes, as written by the services that record the events.
_CHECKLIST = re.compile(r"^(?P<kind>\S+) v(?P<number>\d+)(?: → v(?P<new_number>\d+))?"
                        r"(?: (?P<code>[^\s(]\S*?))?(?: (?P<direction>up|down))?(?: \(defaults\))?$")
_ARROW = re.compile(r"^(?P<old>.*?) → (?P<new>.*)$")
_CROSS = re.compile(r"^(?P<name>.*?) ✕ (?P<unit>.*)$")
_ROLE_CHANGE = re.compile(r"^(?P<name>.*?): (?P<old_role>\S+) → (?P<role>\S+)$")
_ROLE = re.compile(r"^(?P<name>.*?) [→✕] (?P<role>[a-z_]+)")
_ROSTER_IMPORT = re.compile(r"^(?P<community>.*): \+(?P<inserted>\d+) ~(?P<updated>\d+) =(?P<unchanged>\d+)$")
_ROSTER_UPLOAD = re.compile(r"^(?P<community>.*?): (?P<filename>.*) \((?P<rows>\d+) rows, [^)]*\)$")
_HOTLINE_UPLOAD = re.compile(r"^(?P<filename>.*) \((?P<rows>\d+) rows, [^)]*\)$")
_COUNT = re.compile(r"^(?P<name>.*): (?P<count>\d+)$")

_SUMMARY_SHAPES = {
    "checklist.": _CHECKLIST,
    "member.changed": _ROLE_CHANGE,
    "member.": _ROLE,
    "area.renamed": _ARROW,
    "building.updated": _ARROW,
    "roster.imported": _ROSTER_IMPORT,
    "roster.uploaded": _ROSTER_UPLOAD,
    "hotline.uploaded": _HOTLINE_UPLOAD,
    "api_token.revoked_all": _COUNT,
    "owner.bound": re.compile(r"^(?P<name>.*?) → (?P<unit>.*)$"),
    "owner.unbound": _CROSS,
}


class _Details(dict):
    """Format arguments; a detail the event does not carry reads as empty (and is noted) instead of a KeyError."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.missing: set[str] = set()

    def __missing__(self, key):
        self.missing.add(key)
        return ""


def _snapshot(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _role_label(value: str) -> str:
    from tenants.roles import Role

    try:
        return str(Role(value).label)
    except ValueError:
        return value


def _status_label(value: Any) -> str:
    from tenants.models import TenantStatus

    try:
        return str(TenantStatus(value).label)
    except ValueError:
        return str(value or "")


def _plan_label(code: str) -> str:
    """A plan's name in the reader's language (its code when the plan is gone)."""
    import sqlalchemy as sa

    from portal.extensions import db
    from portal.i18n import current_locale_code
    from tenants.billing.models import Plan

    plan = db.session.scalar(sa.select(Plan).where(Plan.code == code))
    return plan.display_name(current_locale_code()) if plan is not None else str(code)


def event_details(event: AuditEvent) -> _Details:
    """The placeholders of an event's sentence, read from its snapshots and summary."""
    details = _Details(summary=event.summary, object_id=event.object_id)
    for prefix, shape in _SUMMARY_SHAPES.items():
        if event.action == prefix or (prefix.endswith(".") and event.action.startswith(prefix)):
            match = shape.match(event.summary or "")
            if match:
                details.update({k: v for k, v in match.groupdict().items() if v is not None})
            break
    after, before = _snapshot(event.after), _snapshot(event.before)
    if isinstance(after, dict):
        for key in ("inserted", "updated", "unchanged", "rows"):
            if key in after and event.action.startswith("roster."):
                details[key] = after[key]
        if "revoked" in after:
            details["count"] = after["revoked"]
        if event.action == "hotline.imported":
            details.update({key: after[key] for key in ("ticketed", "review", "already") if key in after})
    if event.action == "tenant.status":
        old = before.get("status") if isinstance(before, dict) else None
        new = after.get("status") if isinstance(after, dict) else None
        if old is None and new is None and (match := _ARROW.match(event.summary or "")):
            old, new = match["old"], match["new"]
        if old is not None and new is not None:
            details["old_status"], details["new_status"] = _status_label(old), _status_label(new)
    for key in ("role", "old_role"):
        if key in details:
            details[key] = _role_label(details[key])
    if details.get("direction") in _DIRECTIONS:
        details["direction"] = str(_DIRECTIONS[details["direction"]])
    if event.action.startswith("billing.") and isinstance(after, dict):
        for key in ("plan",):
            if key in after:
                details[key] = _plan_label(after[key])
        if isinstance(before, dict) and "plan" in before:
            details["old_plan"] = _plan_label(before["plan"])
    if event.action.startswith("member.") and "name" not in details:
        details["name"] = event.summary
    return details


def describe(event: AuditEvent) -> str | None:
    """The event as a sentence in the current language.

    None for a code without a sentence (the page then shows the code). An event whose summary does not
    have the expected shape (written by hand, or by an older version) gets the general form of its
    sentence followed by the summary as recorded, rather than a sentence with holes.
    """
    template = ACTION_SENTENCES.get(event.action)
    if template is None:
        return None
    details = event_details(event)
    sentence = str(template) % details
    if details.missing:
        return str(_l("%(what)s (recorded as: %(summary)s)", what=action_label(event.action), summary=event.summary))
    return sentence


def action_label(code: str) -> str:
    """The filter's name for an action code: its sentence with an ellipsis for each detail."""
    template = ACTION_SENTENCES.get(code)
    return str(template) % _Ellipsis() if template is not None else code


class _Ellipsis(dict):
    def __missing__(self, key):
        return "…"


def object_type_label(code: str) -> str:
    label = OBJECT_TYPES.get(code)
    return str(label) if label is not None else code
