"""Every tenant route, method and role, tried by tenant B's people against tenant A's objects: nothing leaks or changes."""
from __future__ import annotations

import html
import json
from dataclasses import dataclass

import pytest

from portal.extensions import db as _db
from portal.permissions import RULES, Action
from tenants.models import Tenant
from tenants.roles import Role
from tests.conftest import csrf_token_for, login
from tests.factories import World, csrf_from
from tests.routewalk import (
    STATE_CHANGING,
    changed_tables,
    choice_mismatches,
    db_state,
    is_tenant_scoped,
    methods,
    object_arguments,
    rules,
    unmapped_arguments,
    url_variants,
)

# Which permission each tenant endpoint needs (None: a public page). A new tenant endpoint fails
# the walk until it is listed here, so the positive controls cover it too.
ENDPOINT_ACTIONS: dict[str, Action | None] = {
    "dashboard.home": None,
    "dashboard.dashboard": Action.VIEW_DASHBOARD,
    "members.index": Action.VIEW_MEMBERS,
    "members.add": Action.MANAGE_MEMBERS,
    "members.edit": Action.MANAGE_MEMBERS,
    "members.set_active": Action.MANAGE_MEMBERS,
    "members.reset_link": Action.MANAGE_MEMBERS,
    "audit.index": Action.VIEW_AUDIT_LOG,
    "tenant_settings.index": Action.MANAGE_TENANT_SETTINGS,
    "tenant_export.index": Action.MANAGE_TENANT_SETTINGS,
    "tenant_export.download": Action.MANAGE_TENANT_SETTINGS,
    "api_pages.index": Action.USE_API_TOKENS,
    "api_pages.revoke": Action.USE_API_TOKENS,
    "api.me": Action.VIEW_DASHBOARD,
    "api.list_tokens": Action.USE_API_TOKENS,
    "api.create_token": Action.USE_API_TOKENS,
    "api.revoke_token": Action.USE_API_TOKENS,
    "api.members": Action.VIEW_MEMBERS,
    "api.audit_events": Action.VIEW_AUDIT_LOG,
    # roster (unit lists, import, export)
    "roster.index": Action.VIEW_REGISTRY,
    "roster.community_units": Action.VIEW_REGISTRY,
    "roster.import_upload": Action.IMPORT_ROSTER,
    "roster.import_confirm": Action.IMPORT_ROSTER,
    "roster.export": Action.IMPORT_ROSTER,
    "roster_api.units": Action.VIEW_REGISTRY,
    "roster_api.import_roster": Action.IMPORT_ROSTER,
    # owners (claim codes, registration, an owner's units)
    "owners.claim_codes": Action.MANAGE_CLAIM_CODES,
    "owners.community_codes": Action.MANAGE_CLAIM_CODES,
    "owners.building_codes": Action.MANAGE_CLAIM_CODES,
    "owners.issue_codes": Action.MANAGE_CLAIM_CODES,
    "owners.print_sheet": Action.MANAGE_CLAIM_CODES,
    "owners.revoke_code": Action.MANAGE_CLAIM_CODES,
    "owners.reissue_code": Action.MANAGE_CLAIM_CODES,
    "owners.revoke_binding": Action.MANAGE_CLAIM_CODES,
    "owners.register": None,
    "owners.register_send_code": None,
    "owners.my_units": Action.VIEW_OWN_UNITS,
    "owners.add_unit": Action.VIEW_OWN_UNITS,
    "owners.community": Action.VIEW_OWN_UNITS,
    "owners_api.community_codes": Action.MANAGE_CLAIM_CODES,
    "owners_api.building_codes": Action.MANAGE_CLAIM_CODES,
    "owners_api.building_units": Action.MANAGE_CLAIM_CODES,
    "owners_api.issue_codes": Action.MANAGE_CLAIM_CODES,
    "owners_api.revoke_code": Action.MANAGE_CLAIM_CODES,
    "owners_api.reissue_code": Action.MANAGE_CLAIM_CODES,
    "owners_api.my_units": Action.VIEW_OWN_UNITS,
    # checklists (the three lists)
    "checklists.index": Action.VIEW_CHECKLISTS,
    "checklists.version": Action.VIEW_CHECKLISTS,
    "checklists.new_draft": Action.EDIT_CHECKLISTS,
    "checklists.draft": Action.EDIT_CHECKLISTS,
    "checklists.publish": Action.EDIT_CHECKLISTS,
    "checklists.discard": Action.EDIT_CHECKLISTS,
    "checklists.section_add": Action.EDIT_CHECKLISTS,
    "checklists.section_edit": Action.EDIT_CHECKLISTS,
    "checklists.section_delete": Action.EDIT_CHECKLISTS,
    "checklists.section_move": Action.EDIT_CHECKLISTS,
    "checklists.item_add": Action.EDIT_CHECKLISTS,
    "checklists.item_edit": Action.EDIT_CHECKLISTS,
    "checklists.item_delete": Action.EDIT_CHECKLISTS,
    "checklists.item_move": Action.EDIT_CHECKLISTS,
    "checklists_api.list_versions": Action.VIEW_CHECKLISTS,
    "checklists_api.get_version": Action.VIEW_CHECKLISTS,
    "checklists_api.create_draft": Action.EDIT_CHECKLISTS,
    "checklists_api.add_section": Action.EDIT_CHECKLISTS,
    "checklists_api.update_section": Action.EDIT_CHECKLISTS,
    "checklists_api.delete_section": Action.EDIT_CHECKLISTS,
    "checklists_api.move_section": Action.EDIT_CHECKLISTS,
    "checklists_api.add_item": Action.EDIT_CHECKLISTS,
    "checklists_api.update_item": Action.EDIT_CHECKLISTS,
    "checklists_api.delete_item": Action.EDIT_CHECKLISTS,
    "checklists_api.move_item": Action.EDIT_CHECKLISTS,
    "checklists_api.publish": Action.EDIT_CHECKLISTS,
    "checklists_api.discard": Action.EDIT_CHECKLISTS,
    # registry: areas, communities, buildings, committees, firms, managers, contracts
    "communities.areas": Action.MANAGE_REGISTRY,
    "communities.area_edit": Action.MANAGE_REGISTRY,
    "communities.index": Action.VIEW_REGISTRY,
    "communities.create": Action.MANAGE_REGISTRY,
    "communities.detail": Action.VIEW_REGISTRY,
    "communities.edit": Action.MANAGE_REGISTRY,
    "communities.building_add": Action.MANAGE_REGISTRY,
    "communities.building_edit": Action.MANAGE_REGISTRY,
    "communities.committee": Action.MANAGE_REGISTRY,
    "communities.committee_member_add": Action.MANAGE_REGISTRY,
    "communities.committee_member_edit": Action.MANAGE_REGISTRY,
    "communities.committee_member_remove": Action.MANAGE_REGISTRY,
    "communities_api.list_areas": Action.VIEW_REGISTRY,
    "communities_api.create_area": Action.MANAGE_REGISTRY,
    "communities_api.get_area": Action.VIEW_REGISTRY,
    "communities_api.update_area": Action.MANAGE_REGISTRY,
    "communities_api.list_communities": Action.VIEW_REGISTRY,
    "communities_api.create_community": Action.MANAGE_REGISTRY,
    "communities_api.get_community": Action.VIEW_REGISTRY,
    "communities_api.update_community": Action.MANAGE_REGISTRY,
    "communities_api.list_buildings": Action.VIEW_REGISTRY,
    "communities_api.create_building": Action.MANAGE_REGISTRY,
    "communities_api.get_building": Action.VIEW_REGISTRY,
    "communities_api.update_building": Action.MANAGE_REGISTRY,
    "communities_api.get_committee": Action.VIEW_REGISTRY,
    "communities_api.put_committee": Action.MANAGE_REGISTRY,
    # public-revenue ledger: members' pages, settings, and the public pages and open data (None)
    "ledger.overview": Action.VIEW_LEDGER,
    "ledger.overview_export": Action.VIEW_LEDGER,
    "ledger.community": Action.VIEW_LEDGER,
    "ledger.entry_new": Action.RECORD_LEDGER,
    "ledger.entry": Action.VIEW_LEDGER,
    "ledger.entry_reverse": Action.RECORD_LEDGER,
    "ledger.voucher_add": Action.RECORD_LEDGER,
    "ledger.voucher": Action.VIEW_LEDGER,
    "ledger.statement": Action.VIEW_LEDGER,
    "ledger.sign_off": Action.SIGN_OFF_LEDGER,
    "ledger.settings": Action.MANAGE_LEDGER,
    "ledger.category_add": Action.MANAGE_LEDGER,
    "ledger.category_edit": Action.MANAGE_LEDGER,
    "ledger.category_retire": Action.MANAGE_LEDGER,
    "ledger_public.index": None,
    "ledger_public.community": None,
    "ledger_public.community_entries": None,
    "ledger_public.community_statements": None,
    "ledger_public.tenant_entries": None,
    "ledger_public.tenant_statements": None,
    "ledger_api.community_entries": None,
    "ledger_api.community_statements": None,
    "ledger_api.tenant_statements": None,
    "firms.index": Action.VIEW_REGISTRY,
    "firms.create": Action.MANAGE_REGISTRY,
    "firms.detail": Action.VIEW_REGISTRY,
    "firms.edit": Action.MANAGE_REGISTRY,
    "firms.manager_add": Action.MANAGE_REGISTRY,
    "firms.manager_edit": Action.MANAGE_REGISTRY,
    "firms.contracts": Action.VIEW_REGISTRY,
    "firms.contract_create": Action.MANAGE_REGISTRY,
    "firms.contract_edit": Action.MANAGE_REGISTRY,
    "firms.contract_end": Action.MANAGE_REGISTRY,
    # pickers: the JSON searches behind the forms' pickers
    "pickers.communities": Action.VIEW_REGISTRY,
    "pickers.firms": Action.VIEW_REGISTRY,
    "pickers.areas": Action.VIEW_REGISTRY,
    "pickers.managers": Action.VIEW_REGISTRY,
    "pickers.members": Action.VIEW_MEMBERS,
    "firms_api.list_firms": Action.VIEW_REGISTRY,
    "firms_api.create_firm": Action.MANAGE_REGISTRY,
    "firms_api.get_firm": Action.VIEW_REGISTRY,
    "firms_api.update_firm": Action.MANAGE_REGISTRY,
    "firms_api.list_managers": Action.VIEW_REGISTRY,
    "firms_api.create_manager": Action.MANAGE_REGISTRY,
    "firms_api.get_manager": Action.VIEW_REGISTRY,
    "firms_api.update_manager": Action.MANAGE_REGISTRY,
    "firms_api.list_contracts": Action.VIEW_REGISTRY,
    "firms_api.create_contract": Action.MANAGE_REGISTRY,
    "firms_api.get_contract": Action.VIEW_REGISTRY,
    "firms_api.update_contract": Action.MANAGE_REGISTRY,
    "firms_api.end_contract": Action.MANAGE_REGISTRY,
    # billing of the tenant (plan, card, invoices)
    "billing.index": Action.MANAGE_BILLING,
    "billing.pay": Action.MANAGE_BILLING,
    "billing.change_plan": Action.MANAGE_BILLING,
    "billing.cancel": Action.MANAGE_BILLING,
    "billing.resume": Action.MANAGE_BILLING,
    "billing_api.billing": Action.MANAGE_BILLING,
    "billing_api.invoices": Action.MANAGE_BILLING,
    # notice boards: staff pages and the API's writes; the public pages and open data need no sign-in
    "disclosures.index": Action.EDIT_NOTICE_BOARDS,
    "disclosures.board": Action.EDIT_NOTICE_BOARDS,
    "disclosures.edit_section": Action.EDIT_NOTICE_BOARDS,
    "disclosures.overdue": Action.VIEW_OVERDUE_DISCLOSURES,
    "disclosures.due_rules": Action.MANAGE_DISCLOSURE_RULES,
    "disclosures.public_board": None,
    "disclosures.public_history": None,
    "disclosures.public_version": None,
    "disclosures.public_verify": None,
    "disclosures.public_poster": None,
    "disclosures.public_export": None,
    "disclosures.public_export_all": None,
    "disclosures_api.list_boards": None,
    "disclosures_api.get_board": None,
    "disclosures_api.list_versions": None,
    "disclosures_api.save_draft": Action.EDIT_NOTICE_BOARDS,
    "disclosures_api.publish": Action.EDIT_NOTICE_BOARDS,
    # tickets (repairs and complaints)
    "tickets.index": Action.VIEW_TICKETS,
    "tickets.new": Action.FILE_OWN_TICKET,
    "tickets.new_for_caller": Action.FILE_TICKET_FOR_CALLER,
    "tickets.detail": Action.VIEW_TICKETS,
    "tickets.photo": Action.VIEW_TICKETS,
    "tickets.accept": Action.HANDLE_TICKETS,
    "tickets.start": Action.HANDLE_TICKETS,
    "tickets.resolve": Action.HANDLE_TICKETS,
    "tickets.confirm": Action.RATE_OWN_TICKET,
    "tickets.reopen": Action.RATE_OWN_TICKET,
    "tickets.triage": Action.TRIAGE_TICKETS,
    "tickets.consult": Action.TRIAGE_TICKETS,
    "tickets.urge": Action.SUPERVISE_TICKETS,
    "tickets.extend": Action.SUPERVISE_TICKETS,
    "tickets.reassign": Action.SUPERVISE_TICKETS,
    "tickets.follow_up": Action.SUPERVISE_TICKETS,
    "tickets.close": Action.SUPERVISE_TICKETS,
    "tickets.public": None,
    "tickets.categories": Action.MANAGE_TICKET_SETTINGS,
    "tickets.category": Action.MANAGE_TICKET_SETTINGS,
    "tickets.calendar_page": Action.MANAGE_TICKET_SETTINGS,
    "tickets.calendar_set": Action.MANAGE_TICKET_SETTINGS,
    "tickets.calendar_remove": Action.MANAGE_TICKET_SETTINGS,
    "tickets.kpi_dashboard": Action.VIEW_TICKET_KPIS,
    "tickets.kpi_export": Action.VIEW_TICKET_KPIS,
    "tickets.spot_checks_page": Action.SPOT_CHECK_TICKETS,
    "tickets.spot_check_draw": Action.SPOT_CHECK_TICKETS,
    "tickets.spot_check_call": Action.SPOT_CHECK_TICKETS,
    "tickets_api.list_tickets": Action.VIEW_TICKETS,
    "tickets_api.get_ticket": Action.VIEW_TICKETS,
    "tickets_api.file_ticket": Action.VIEW_TICKETS,
    "tickets_api.transition": Action.VIEW_TICKETS,
    "tickets_api.list_photos": Action.VIEW_TICKETS,
    "tickets_api.download_photo": Action.VIEW_TICKETS,
    "tickets_api.upload_photo": Action.VIEW_TICKETS,
    "hotline.import_upload": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.import_confirm": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.template": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.review": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.order": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.assign": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.dismiss": Action.IMPORT_HOTLINE_ORDERS,
    "hotline.directory": Action.MANAGE_HOTLINES,
    "hotline.new_hotline": Action.MANAGE_HOTLINES,
    "hotline.edit_hotline": Action.MANAGE_HOTLINES,
    "hotline.delete_hotline": Action.MANAGE_HOTLINES,
    "hotline.public": None,
    "tickets_api.ticket_kpis": Action.VIEW_TICKET_KPIS,
    "objections.file": Action.FILE_OBJECTIONS,
    "objections.index": Action.VIEW_OBJECTIONS,
    "objections.detail": Action.VIEW_OBJECTIONS,
    "objections.answer": Action.ANSWER_OBJECTIONS,
    "objections.accept": Action.FILE_OBJECTIONS,
    "objections.escalate": Action.FILE_OBJECTIONS,
    "objections.decide": Action.DECIDE_OBJECTIONS,
    "objections.photo": Action.VIEW_OBJECTIONS,
    "objections.settings": Action.MANAGE_OBJECTION_RULES,
    "objections_api.list_objections": Action.VIEW_OBJECTIONS,
    "objections_api.get_objection": Action.VIEW_OBJECTIONS,
    "objections_api.file_objection": Action.FILE_OBJECTIONS,
    "objections_api.answer_objection": Action.ANSWER_OBJECTIONS,
    "objections_api.accept_objection": Action.FILE_OBJECTIONS,
    "objections_api.escalate_objection": Action.FILE_OBJECTIONS,
    "objections_api.decide_objection": Action.DECIDE_OBJECTIONS,
    "satisfaction.index": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction.create": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction.edit": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction.save": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction.publish": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction.public_index": None,
    "satisfaction.public_list": None,
    "satisfaction.public_export": None,
    "satisfaction_api.published": None,
    "satisfaction_api.published_list": None,
    "satisfaction_api.create_draft": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction_api.get_draft": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction_api.edit_draft": Action.MANAGE_SATISFACTION_LISTS,
    "satisfaction_api.publish": Action.MANAGE_SATISFACTION_LISTS,
    "notifications.inbox": Action.VIEW_NOTIFICATIONS,
    "notifications.read": Action.VIEW_NOTIFICATIONS,
    "notifications.read_all": Action.VIEW_NOTIFICATIONS,
    "notifications.preferences": Action.VIEW_NOTIFICATIONS,
    "notifications_api.list_notifications": Action.VIEW_NOTIFICATIONS,
    "notifications_api.mark_read": Action.VIEW_NOTIFICATIONS,
    "notifications_api.mark_all_read": Action.VIEW_NOTIFICATIONS,
    # evaluation results: public pages (None), appeals, rectification, the teams' ranking
    "evaluation.results_index": None,
    "evaluation.latest_ranking": None,
    "evaluation.ranking": None,
    "evaluation.firm_ranking": None,
    "evaluation.project_explanation": None,
    "evaluation.firm_explanation": None,
    "evaluation.ranking_export": None,
    "evaluation.appeal_new": Action.FILE_APPEALS,
    "evaluation.appeals_index": Action.VIEW_EVALUATION_CASES,
    "evaluation.appeal_detail": Action.VIEW_EVALUATION_CASES,
    "evaluation.evidence_photo": Action.VIEW_EVALUATION_CASES,
    "evaluation.plan_detail": Action.VIEW_EVALUATION_CASES,
    "evaluation.plan_write": Action.WORK_RECTIFICATION,
    "evaluation.plan_milestone_add": Action.WORK_RECTIFICATION,
    "evaluation.plan_milestone_done": Action.WORK_RECTIFICATION,
    "evaluation.plan_submit": Action.WORK_RECTIFICATION,
    "evaluation.plan_reinspect": Action.VERIFY_RECTIFICATION,
    "evaluation.team_ranking": Action.VIEW_EVALUATION_CASES,
    "evaluation_api.period_results": None,
    "evaluation_api.project_result": None,
    "evaluation_api.firm_results": None,
    "evaluation_api.list_appeals": Action.VIEW_EVALUATION_CASES,
    # evaluation, scoring part (assessment routes require VIEW_EVALUATION, then the assessing action per object)
    "evaluation.my_scores": Action.SCORE_OWN_FIRM,
    "evaluation.score_unit": Action.SCORE_OWN_FIRM,
    "evaluation.comments": Action.MODERATE_COMMENTS,
    "evaluation.moderate_comment": Action.MODERATE_COMMENTS,
    "evaluation.assessments": Action.ASSESS_COMMUNITY,
    "evaluation.assess": Action.ASSESS_COMMUNITY,
    "evaluation.inspect": Action.INSPECT_PROJECTS,
    "evaluation.assessment": Action.INSPECT_PROJECTS,  # the world's assessment is an inspection
    "evaluation.assessment_photo": Action.INSPECT_PROJECTS,
    "evaluation_api.my_scores": Action.SCORE_OWN_FIRM,
    "evaluation_api.put_score": Action.SCORE_OWN_FIRM,
    "evaluation_api.list_comments": Action.MODERATE_COMMENTS,
    "evaluation_api.moderate_comment": Action.MODERATE_COMMENTS,
    "evaluation_api.list_assessments": Action.ASSESS_COMMUNITY,
    "evaluation_api.create_assessment": Action.ASSESS_COMMUNITY,
    "evaluation_api.get_assessment": Action.INSPECT_PROJECTS,
    "evaluation_api.put_assessment": Action.INSPECT_PROJECTS,
    # evaluation setup
    "evaluation.methodology": None,
    "evaluation.schemes": Action.MANAGE_EVALUATION,
    "evaluation.new_scheme": Action.MANAGE_EVALUATION,
    "evaluation.scheme": Action.MANAGE_EVALUATION,
    "evaluation.edit_scheme": Action.MANAGE_EVALUATION,
    "evaluation.publish_scheme": Action.MANAGE_EVALUATION,
    "evaluation.periods": Action.VIEW_EVALUATION,
    "evaluation.new_period": Action.MANAGE_EVALUATION,
    "evaluation.period": Action.VIEW_EVALUATION,
    "evaluation.advance": Action.MANAGE_EVALUATION,
    "evaluation.derive_penalties": Action.RECORD_ADJUSTMENTS,
    "evaluation.adjustments": Action.RECORD_ADJUSTMENTS,
    "evaluation.new_adjustment": Action.RECORD_ADJUSTMENTS,
    "evaluation.adjustment": Action.RECORD_ADJUSTMENTS,
    "evaluation.add_evidence": Action.RECORD_ADJUSTMENTS,
    "evaluation.revoke_adjustment": Action.RECORD_ADJUSTMENTS,
    "evaluation.evidence": Action.RECORD_ADJUSTMENTS,
    "evaluation_api.list_schemes": Action.MANAGE_EVALUATION,
    "evaluation_api.get_scheme": Action.MANAGE_EVALUATION,
    "evaluation_api.create_scheme": Action.MANAGE_EVALUATION,
    "evaluation_api.edit_scheme": Action.MANAGE_EVALUATION,
    "evaluation_api.publish_scheme": Action.MANAGE_EVALUATION,
    "evaluation_api.list_periods": Action.VIEW_EVALUATION,
    "evaluation_api.get_period": Action.VIEW_EVALUATION,
    "evaluation_api.create_period": Action.MANAGE_EVALUATION,
    "evaluation_api.step_period": Action.MANAGE_EVALUATION,
    "evaluation_api.derive_penalties": Action.RECORD_ADJUSTMENTS,
    "evaluation_api.list_adjustments": Action.RECORD_ADJUSTMENTS,
    "evaluation_api.get_adjustment": Action.RECORD_ADJUSTMENTS,
    "evaluation_api.create_adjustment": Action.RECORD_ADJUSTMENTS,
    "evaluation_api.revoke_adjustment": Action.RECORD_ADJUSTMENTS,
}

# What an attacker would submit: a request that would really act if a guard were missing.
ATTACK_FORMS = {
    "roster.import_confirm": {"upload": "0" * 32},
    "communities.areas": {"kind": "street", "name": "入侵街道", "parent_id": ""},
    "communities.area_edit": {"name": "入侵"},
    "communities.create": {"name": "入侵小区", "area_id": "1", "service_grade": "grade1", "declared_units": "1"},
    "communities.edit": {"name": "入侵小区", "area_id": "1", "service_grade": "grade1", "declared_units": "1"},
    "communities.building_add": {"name": "入侵楼"},
    "communities.building_edit": {"name": "入侵楼"},
    "communities.committee": {"term_start": "2024-01-01", "term_end": "2025-01-01"},
    "communities.committee_member_add": {"name": "入侵", "position": "member"},
    "communities.committee_member_edit": {"name": "入侵", "position": "member"},
    "communities.committee_member_remove": {"reason": "takeover"},
    "firms.create": {"name": "入侵物业", "credit_code": "91370000000000009G"},
    "firms.edit": {"name": "入侵物业"},
    "firms.manager_add": {"name": "入侵"},
    "firms.manager_edit": {"name": "入侵"},
    "firms.contract_create": {"firm_id": "1", "community_id": "1", "start_date": "2020-01-01",
                              "end_date": "2020-12-31", "fee_model": "lump_sum", "grade": "grade1"},
    "firms.contract_edit": {"fee_model": "commission", "grade": "grade1"},
    "firms.contract_end": {"end_date": "2025-06-30", "reason": "takeover"},
    "members.add": {"login": "13900000099", "display_name": "intruder", "initial_password": "a long intruder passphrase",
                    "role": "bureau_admin", "area_id": "", "firm_id": "", "community_id": ""},
    "members.edit": {"role": "bureau_admin", "area_id": "", "firm_id": "", "community_id": "", "reason": "takeover"},
    "members.set_active": {"reason": "takeover"},
    "api_pages.index": {"name": "intruder"},
    "owners.issue_codes": {"include_bound": "y"},
    "owners.revoke_code": {"reason": "takeover"},
    "owners.reissue_code": {"reason": "takeover"},
    "owners.revoke_binding": {"reason": "takeover"},
    "owners.add_unit": {"code": "K7QRA-3MXTD-9FHWC"},
    "owners.register_send_code": {"code": "K7QRA-3MXTD-9FHWC", "mobile": "13900000099"},
    "tenant_settings.index": {"require_verified_mobile": "y"},
    "checklists.new_draft": {"kind": "C", "note": "intruder"},
    "checklists.publish": {"note": "intruder"},
    "checklists.discard": {"reason": "intruder"},
    "checklists.section_add": {"code": "X9", "title_zh": "入侵", "weight": "1"},
    "checklists.section_edit": {"code": "S2", "title_zh": "入侵", "weight": "40"},
    "checklists.section_move": {"direction": "up"},
    "checklists.item_add": {"code": "X9.1", "text_zh": "入侵"},
    "checklists.item_edit": {"code": "S2.2", "text_zh": "入侵"},
    "checklists.item_move": {"direction": "up"},
    "billing.pay": {"plan": "county", "payment_method": "pm_card_visa"},
    "billing.change_plan": {"plan": "city"},
    "disclosures.edit_section": {"action": "publish", "f_firm_name": "入侵物业", "f_project_manager": "入侵",
                                 "f_manager_phone": "13900000099", "f_hotline": "13900000099",
                                 "f_price_complaint_line": "12358", "correction": "y", "reason": "takeover"},
    "disclosures.due_rules": {f"{kind}_{code}": value for code in (
        "identity", "service_standard", "fees", "contractors", "finance", "apportionment", "public_revenue",
        "repair_fund", "renovations", "parking", "handover", "extra_services")
        for kind, value in (("freq", "current"), ("days", "1"))},
    "objections.file": {"item": "section", "reason": "入侵"},
    "objections.answer": {"answer-answer": "入侵"},
    "objections.escalate": {"escalate-note": "入侵"},
    "objections.decide": {"decide-decision": "upheld", "decide-decision_reason": "入侵"},
    "objections.settings": {"answer_days": "1"},
    "hotline.import_confirm": {"upload": "0" * 32},
    "hotline.assign": {"community_id": "1"},
    "hotline.dismiss": {"reason": "入侵"},
    "hotline.new_hotline": {"name": "入侵热线", "number": "12345"},
    "hotline.edit_hotline": {"name": "入侵热线", "number": "12345"},
    "satisfaction.create": {"month": "2026-09", "min_cases": "1", "min_firm_cases": "1"},
    "satisfaction.publish": {"reason": "takeover"},
    "notifications.read": {"open": "1"},
    "notifications.preferences": {"locale": "en"},
    "evaluation.appeal_new": {"item": "owner:0", "statement": "入侵"},
    "evaluation.appeal_detail": {"decision": "upheld", "reason": "入侵"},
    "evaluation.plan_write": {"plan-plan": "入侵"},
    "evaluation.plan_milestone_add": {"ms-title": "入侵", "ms-due_on": "2026-11-01"},
    "evaluation.plan_milestone_done": {"done-note": "入侵"},
    "evaluation.plan_reinspect": {"re-outcome": "verified", "re-note": "入侵"},
    "evaluation.advance": {"to": "open", "reason": "入侵"},
    "evaluation.revoke_adjustment": {"revoke_reason": "入侵"},
}
ATTACK_JSON = {"api.create_token": {"name": "intruder"},
               "communities_api.create_area": {"kind": "street", "name": "入侵街道"},
               "communities_api.update_area": {"name": "入侵"},
               "communities_api.create_community": {"name": "入侵小区", "area_id": 1, "service_grade": "grade1"},
               "communities_api.update_community": {"name": "入侵小区"},
               "communities_api.create_building": {"name": "入侵楼"},
               "communities_api.update_building": {"name": "入侵楼"},
               "communities_api.put_committee": {"term_start": "2024-01-01", "term_end": "2025-01-01", "members": []},
               "firms_api.create_firm": {"name": "入侵物业", "credit_code": "91370000000000009G"},
               "firms_api.update_firm": {"name": "入侵物业"},
               "firms_api.create_manager": {"name": "入侵"},
               "firms_api.update_manager": {"name": "入侵"},
               "firms_api.create_contract": {"firm_id": 1, "community_id": 1, "start_date": "2020-01-01",
                                             "end_date": "2020-12-31", "fee_model": "lump_sum"},
               "firms_api.update_contract": {"fee_model": "commission"},
               "firms_api.end_contract": {"end_date": "2025-06-30", "reason": "takeover"},
               "checklists_api.create_draft": {"kind": "C", "note": "intruder"},
               "checklists_api.add_section": {"code": "X9", "title_zh": "入侵", "weight": "1"},
               "checklists_api.update_section": {"title_zh": "入侵"},
               "checklists_api.move_section": {"direction": "up"},
               "checklists_api.add_item": {"code": "X9.1", "text_zh": "入侵"},
               "checklists_api.update_item": {"text_zh": "入侵"},
               "checklists_api.move_item": {"direction": "up"},
               "checklists_api.publish": {"note": "intruder"},
               "owners_api.issue_codes": {"include_bound": True},
               "owners_api.revoke_code": {"reason": "takeover"},
               "owners_api.reissue_code": {"reason": "takeover"},
               "disclosures_api.save_draft": {"content": {"fields": {"firm_name": "入侵物业", "project_manager": "入侵",
                                                                     "manager_phone": "1", "hotline": "1",
                                                                     "price_complaint_line": "12358"}}},
               "disclosures_api.publish": {"content": {"fields": {"firm_name": "入侵物业", "project_manager": "入侵",
                                                                  "manager_phone": "1", "hotline": "1",
                                                                  "price_complaint_line": "12358"}},
                                           "correction": True, "reason": "takeover"},
               "objections_api.file_objection": {"board_id": 1, "seq": 1, "reason": "入侵"},
               "objections_api.answer_objection": {"answer": "入侵"},
               "objections_api.escalate_objection": {"note": "入侵"},
               "objections_api.decide_objection": {"decision": "upheld", "reason": "入侵"},
               "satisfaction_api.create_draft": {"month": "2026-09", "min_cases": 1},
               "satisfaction_api.edit_draft": {"entries": [{"id": 1, "included": True, "problem_text": "入侵"}]},
               "satisfaction_api.publish": {"reason": "takeover"},
               "notifications_api.mark_read": {"read": True},
               "notifications_api.mark_all_read": {},
               "evaluation_api.put_score": {"ratings": {"A1": 1, "A2": 1, "A3": 1, "A4": 1, "A5": 1, "A6": 1}},
               "evaluation_api.moderate_comment": {"decision": "hide", "reason": "入侵"},
               "evaluation_api.create_assessment": {"kind": "community", "community_id": 1,
                                                    "item_scores_cp": {"C1.1": 0}, "assessed_on": "2026-11-20"},
               "evaluation_api.put_assessment": {"item_scores_cp": {"A1.1": 0}, "assessed_on": "2026-11-20"}}


@dataclass
class Actor:
    label: str
    client: object
    csrf: str | None
    kind: str  # "member" (signed in), "anonymous", "bearer"
    bearer: str | None = None


def signed_in(app, identifier: str, label: str) -> Actor:
    client = app.test_client()
    response = login(client, identifier)
    assert response.status_code == 302, f"{label} could not sign in"
    return Actor(label, client, csrf_token_for(client), "member")


def anonymous(app) -> Actor:
    client = app.test_client()
    return Actor("anonymous", client, csrf_from(client.get("/login").text), "anonymous")


def send(actor: Actor, method: str, url: str, endpoint: str):
    headers = {}
    if actor.csrf:
        headers["X-CSRFToken"] = actor.csrf
    if actor.bearer:
        headers["Authorization"] = f"Bearer {actor.bearer}"
    if endpoint in ATTACK_JSON and method in STATE_CHANGING:
        return actor.client.open(url, method=method, headers=headers, data=json.dumps(ATTACK_JSON[endpoint]),
                                 content_type="application/json")
    data = None
    if method in STATE_CHANGING:
        data = dict(ATTACK_FORMS.get(endpoint, {}))
        if actor.csrf:
            data["csrf_token"] = actor.csrf
    return actor.client.open(url, method=method, headers=headers, data=data)


def public_names(app, tenant_id: int) -> list[str]:
    """The tenant's own name: public (start page, tenant home) and shown in every page header."""
    with app.app_context():
        tenant = _db.session.get(Tenant, tenant_id)
        names = [n for n in (tenant.name_zh, tenant.name_en) if n]
        _db.session.remove()
    return names


def published_strings(app, tenant_id: int) -> list[str]:
    """What the tenant publishes on purpose, longest first: its registry's public names (communities,
    addresses, areas, firms, project managers), its ticket categories, its hotline directory and every text of its published notice-board versions.
    addresses, areas, firms, project managers), its ticket categories and every text of its published notice-board
    versions and satisfaction lists.
    A public page may show these; anything else of the tenant's (a draft, an owner, a claim code...) is a leak."""
    import json as _json

    import sqlalchemy as sa

    from portal.communities.models import Area, Community
    from portal.disclosures.models import BoardVersion
    from portal.firms.models import Firm, ProjectManager
    from portal.hotline.models import Hotline
    from portal.satisfaction.models import SatisfactionVersion
    from portal.tickets.models import TicketCategory
    from tenants import tenant_scope

    def texts(value):
        if isinstance(value, dict):
            for v in value.values():
                yield from texts(v)
        elif isinstance(value, list):
            for v in value:
                yield from texts(v)
        elif isinstance(value, str):
            yield value

    with app.app_context():
        tenant = _db.session.get(Tenant, tenant_id)
        with tenant_scope(tenant):
            found = []
            # ...the ticket categories the public ticket figures are counted by, the hotline directory
            from portal.evaluation.models import EvaluationPeriod, EvaluationScheme, ScoreAdjustment

            # ...the reasons of bonus/penalty/veto records, which a project's evaluation page explains, and the
            # evaluation scheme's name and note and the periods' names, which the public methodology page shows
            for column in (Community.name, Community.address, Area.name, Firm.name, ProjectManager.name,
                           TicketCategory.name_zh, Hotline.name, Hotline.hours, ScoreAdjustment.reason,
                           EvaluationScheme.name, EvaluationScheme.change_note, EvaluationPeriod.name):
                found += list(_db.session.scalars(sa.select(column)))
            for content, reason, publisher in _db.session.execute(
                    sa.select(BoardVersion.content, BoardVersion.reason, BoardVersion.publisher)):
                found += list(texts(_json.loads(content))) + [reason, publisher]
            for content, reason in _db.session.execute(sa.select(SatisfactionVersion.content, SatisfactionVersion.reason)):
                found += list(texts(_json.loads(content))) + [reason]  # the published satisfaction lists
        _db.session.remove()
    found = {t for t in found if t}
    found |= {_json.dumps(t)[1:-1] for t in found}  # as a JSON answer writes them (non-ASCII escaped)
    return sorted(found, key=len, reverse=True)


def response_text(response) -> str:
    """The body as text; binary downloads (an .xlsx export) are decoded leniently, never crash the walk."""
    return response.get_data().decode("utf-8", "replace")


def visible_sentinel(body: str, sentinel: str, public: list[str]) -> bool:
    for name in public:
        body = body.replace(name, "").replace(html.escape(name), "")
    return sentinel in body or sentinel in html.unescape(body)


def problem_with(actor: Actor, response, *, public_page: bool, sentinel: str, names: list[str],
                 public_endpoint: bool = False) -> str | None:
    """Why this response to a foreign request is a leak or unexpected; None when it is a clean refusal."""
    body = response_text(response)
    if visible_sentinel(body, sentinel, names):
        return f"LEAK: tenant A's sentinel in the body (status {response.status_code})"
    status = response.status_code
    if public_page:
        # A public form (owner registration) refuses a bad submission with 400, or 429 when throttled.
        refused_form = status in (400, 429) and response.request.method in STATE_CHANGING
        return None if status == 200 or refused_form else f"public page answered {status}"
    if 200 <= status < 300:
        return f"LEAK: {status} to a foreign request"
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        if actor.kind == "anonymous" and location.startswith("/login"):
            return None
        return f"LEAK: redirect {status} to {location!r} (the action may have run)"
    allowed = {"member": {403, 404}, "anonymous": {401}, "bearer": {401, 403, 404}}[actor.kind]
    if public_endpoint:
        allowed = allowed | {404}  # a public page of another tenant's object: not found, like any missing one
    return None if status in allowed else f"unexpected status {status}"


def test_every_tenant_route_argument_is_mapped(app):
    problems = []
    for rule in rules(app):
        if not is_tenant_scoped(rule):
            continue
        missing = unmapped_arguments(rule)
        if missing:
            problems.append(f"{rule.rule}: no world attribute for {sorted(missing)}; add it to TENANT_OBJECT_ARGS/CHOICE_ARGS")
        if rule.endpoint not in ENDPOINT_ACTIONS:
            problems.append(f"{rule.rule}: endpoint {rule.endpoint} missing from ENDPOINT_ACTIONS")
        problems.extend(choice_mismatches(rule))
    assert not problems, "\n".join(problems)


def test_tenant_b_never_sees_or_changes_tenant_a(app, world: World, record_property):
    walk_as_tenant_b(app, world, record_property)


def walk_as_tenant_b(app, world: World, record_property, label: str = "") -> None:
    """The walk itself; ``label`` marks the summary line of a variant (tests/tenants/test_rls.py)."""
    tenant_rules = [r for r in rules(app) if is_tenant_scoped(r)]
    assert tenant_rules and not [r for r in tenant_rules if unmapped_arguments(r)]
    names_a = public_names(app, world.a.tenant_id)
    published_a = names_a + published_strings(app, world.a.tenant_id)

    actors = [signed_in(app, world.b.logins[role], f"B:{role.value}") for role in world.b.logins]
    # The firm tenant C's own administrator and project team: a firm is a tenant like any other.
    actors += [signed_in(app, world.c.logins[role], f"C:{role.value}")
               for role in (Role.BUREAU_ADMIN, Role.PROJECT_MANAGER, Role.PROJECT_STAFF)]
    actors.append(anonymous(app))
    actors.append(signed_in(app, world.platform_admin_login, "platform admin (no membership)"))
    actors.append(signed_in(app, world.outsider_login, "outsider (no membership)"))
    bearer = Actor("B:bureau_admin bearer token", app.test_client(), None, "bearer", bearer=world.b.token_secret)

    before = db_state(app)
    cases, failures, leaks = 0, [], 0
    for rule in tenant_rules:
        public_page = ENDPOINT_ACTIONS[rule.endpoint] is None
        is_api = rule.rule.startswith("/api/")
        rule_actors = actors + ([bearer] if is_api else [])
        variants = [("A slug, A ids", world.a.slug)]
        if object_arguments(rule):
            variants.append(("B slug, A ids", world.b.slug))
        for variant, slug in variants:
            for url in url_variants(rule, slug=slug, ids=world.a, world=world):
                for method in methods(rule):
                    for actor in rule_actors:
                        response = send(actor, method, url, rule.endpoint)
                        cases += 1
                        public = public_page and variant.startswith("A slug")
                        problem = problem_with(actor, response, public_page=public,
                                               sentinel=world.a.sentinel, names=published_a if public else names_a,
                                               public_endpoint=public_page)
                        if problem:
                            leaks += problem.startswith("LEAK")
                            failures.append(f"{method} {url} as {actor.label} ({variant}): {problem}")
    after = db_state(app)
    mutated = changed_tables(before, after)

    summary = (f"isolation_walk {label}routes={len(tenant_rules)} cases={cases} leaked={leaks} "
               f"mutated_tables={len(mutated)}")
    print("\n" + summary)
    record_property("isolation_walk", summary)
    assert cases > 0
    assert not failures, summary + "\n" + "\n".join(failures[:60])
    assert not mutated, f"{summary}; changed tables: {mutated}"


def test_positive_controls_tenant_a_sees_its_own_objects(app, world: World):
    """The walk's detector must fire on real access: A's own people get 200 (and A's data) where allowed."""
    names_a = public_names(app, world.a.tenant_id)
    get_rules = [r for r in rules(app) if is_tenant_scoped(r) and "GET" in r.methods]
    failures, flagged, sentinel_seen = [], 0, set()
    for role in world.a.logins:
        actor = signed_in(app, world.a.logins[role], f"A:{role.value}")
        for rule in get_rules:
            action = ENDPOINT_ACTIONS[rule.endpoint]
            allowed = action is None or role in RULES[action]
            for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
                response = actor.client.get(url)
                if response.status_code != (200 if allowed else 403):
                    failures.append(f"GET {url} as {actor.label}: {response.status_code}, expected {200 if allowed else 403}")
                    continue
                if not allowed or action is None:
                    continue
                # The same response to a foreign actor would have been reported as a leak.
                if problem_with(actor, response, public_page=False, sentinel=world.a.sentinel, names=names_a):
                    flagged += 1
                else:
                    failures.append(f"GET {url} as {actor.label}: the leak detector did not fire on a 200")
                if role == Role.BUREAU_ADMIN and visible_sentinel(response_text(response), world.a.sentinel, names_a):
                    sentinel_seen.add(rule.endpoint)

    bearer = Actor("A:bureau_admin bearer", app.test_client(), None, "bearer", bearer=world.a.token_secret)
    for rule in get_rules:
        if rule.rule.startswith("/api/"):
            # The token is the bureau administrator's: owner-only routes answer it 403.
            action = ENDPOINT_ACTIONS[rule.endpoint]
            expected = 200 if action is None or Role.BUREAU_ADMIN in RULES[action] else 403
            for url in url_variants(rule, slug=world.a.slug, ids=world.a, world=world):
                response = send(bearer, "GET", url, rule.endpoint)
                if response.status_code != expected:
                    failures.append(f"GET {url} with A's bearer token: {response.status_code}, expected {expected}")

    assert not failures, "\n".join(failures)
    assert flagged > 0
    # The sentinel check itself is live: A's data pages do show A's sentinel to A's administrator.
    assert {"members.index", "members.edit", "audit.index", "api.members", "api.audit_events", "api.me",
            "api.list_tokens", "api_pages.index", "billing_api.billing", "billing_api.invoices"} <= sentinel_seen, \
        sorted(sentinel_seen)


# In a firm's own tenant the firm list is its company profile and "add a firm" its edit form: both
# answer with a redirect there instead of a page.
FIRM_TENANT_REDIRECTS = {"firms.index", "firms.create"}


def test_positive_controls_firm_tenant_c_roles_see_their_own_objects(app, world: World):
    """The firm tenant's roles (firm administrator, head office, branch manager, project team, owner)
    get 200 where the permission table allows, 403 where not, on C's own objects."""
    get_rules = [r for r in rules(app) if is_tenant_scoped(r) and "GET" in r.methods and not r.rule.startswith("/api/")]
    failures, seen = [], 0
    for role in world.c.logins:
        actor = signed_in(app, world.c.logins[role], f"C:{role.value}")
        for rule in get_rules:
            action = ENDPOINT_ACTIONS[rule.endpoint]
            allowed = action is None or role in RULES[action]
            expected = 200 if allowed else 403
            if allowed and rule.endpoint in FIRM_TENANT_REDIRECTS:
                expected = 303
            for url in url_variants(rule, slug=world.c.slug, ids=world.c, world=world):
                response = actor.client.get(url)
                seen += 1
                if response.status_code != expected:
                    failures.append(f"GET {url} as {actor.label}: {response.status_code}, expected {expected}")
    assert seen > 0 and not failures, "\n".join(failures[:60])


@pytest.mark.parametrize("role", [Role.BUREAU_ADMIN, Role.OWNER])
def test_b_can_still_use_its_own_tenant(app, world: World, role):
    """The refusals above are about the other tenant, not a broken route: B's own pages work for B."""
    actor = signed_in(app, world.b.logins[role], f"B:{role.value}")
    response = actor.client.get(f"/t/{world.b.slug}/dashboard")
    assert response.status_code == 200 and world.b.sentinel in response.text
    assert world.a.sentinel not in response.text
