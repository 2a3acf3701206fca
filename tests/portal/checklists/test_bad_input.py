"""Junk in every field of the list editor's forms: a 400 naming the field, never a 500, nothing written."""
from __future__ import annotations

from tests.factories import World
from tests.portal.test_bad_input import (
    ALL,
    HTML_PAYLOAD,
    JUNK,
    REFUSES,
    Form,
    field_errors,
    rolled_back,
    senders,  # noqa: F401  (fixture)
    submit,
)
from tests.routewalk import changed_tables, db_state

# A code is an identifier (A1, A1.2): anything but letters, digits, dots and dashes is refused; so is
# any weight that is not a number from 0 to 100 with at most two decimals.
KINDS = {**REFUSES, "code": ALL, "weight": ALL}

SECTION_FIELDS = {"code": "code", "title_zh": "text", "title_en": "optional_text", "weight": "weight"}
ITEM_FIELDS = {"code": "code", "text_zh": "text", "text_en": "optional_text", "evidence": "optional_text",
               "grade1": "optional_text", "grade2": "optional_text", "grade3": "optional_text"}

FORMS = [
    Form("add section", lambda w: f"/t/alpha/checklists/drafts/{w.a.draft_id}/sections/new", "tenant_admin",
         lambda w: {"code": "S3", "title_zh": "第三部分", "title_en": "Part three", "weight": "0"}, SECTION_FIELDS),
    Form("edit section", lambda w: f"/t/alpha/checklists/sections/{w.a.section_id}/edit", "tenant_admin",
         lambda w: {"code": "S2", "title_zh": "第二部分", "title_en": "Part two", "weight": "40"}, SECTION_FIELDS),
    Form("add item", lambda w: f"/t/alpha/checklists/sections/{w.a.section_id}/items/new", "tenant_admin",
         lambda w: {"code": "S2.3", "text_zh": "新条目", "text_en": "", "evidence": "", "grade1": "", "grade2": "",
                    "grade3": ""}, ITEM_FIELDS),
    Form("edit item", lambda w: f"/t/alpha/checklists/items/{w.a.item_id}/edit", "tenant_admin",
         lambda w: {"code": "S2.2", "text_zh": "改过的条目", "text_en": "Changed", "evidence": "log", "grade1": "a",
                    "grade2": "b", "grade3": "c"}, ITEM_FIELDS),
    Form("publish", lambda w: f"/t/alpha/checklists/drafts/{w.a.draft_id}/publish", "tenant_admin",
         lambda w: {"note": "annual review"}, {"note": "text"}),
    Form("discard", lambda w: f"/t/alpha/checklists/drafts/{w.a.draft_id}/discard", "tenant_admin",
         lambda w: {"reason": "start over"}, {"reason": "optional_text"}),
    Form("new draft", lambda w: "/t/alpha/checklists/drafts/new", "tenant_admin",
         lambda w: {"kind": "C", "note": ""}, {"kind": "choice", "note": "optional_text"},
         ),
    Form("move section", lambda w: f"/t/alpha/checklists/sections/{w.a.section_id}/move", "tenant_admin",
         lambda w: {"direction": "up"}, {"direction": "choice"}),
]


def test_editor_forms_refuse_junk_with_a_field_message(app, world: World, senders, record_property):
    problems, refused, accepted = [], 0, 0
    for form in FORMS:
        for name, kind in form.fields.items():
            for junk in JUNK:
                client, token = senders[form.sender]
                data = form.baseline(world)
                if junk not in ("invalid_utf8", "file"):
                    data[name] = JUNK[junk]
                label = f"{form.name}: {name}={junk}"
                with rolled_back(app, client):
                    before = db_state(app)
                    response = submit(client, form, form.url(world), data, token, name, junk)
                    changed = changed_tables(before, db_state(app))
                body = response.get_data(as_text=True)
                if HTML_PAYLOAD in body:
                    problems.append(f"{label}: the <script> payload is rendered live")
                if response.status_code >= 500:
                    problems.append(f"{label}: {response.status_code}")
                    continue
                if junk in KINDS[kind]:
                    refused += 1
                    wanted = form.error_fields.get(name, {name})
                    if response.status_code != 400 or changed:
                        problems.append(f"{label}: status {response.status_code}, changed {changed}")
                    elif form.name in ("new draft", "move section"):
                        # Button forms: the page says what was wrong in an alert (no visible input to link).
                        if 'role="alert"' not in body and not wanted & set(field_errors(body)):
                            problems.append(f"{label}: no message")
                    elif not wanted & set(field_errors(body)):
                        problems.append(f"{label}: no error message linked to {sorted(wanted)}")
                else:
                    accepted += 1
                    if response.status_code not in (200, 302, 303) or not changed:
                        problems.append(f"{label}: legitimate input answered {response.status_code}, changed {changed}")
    summary = f"checklists bad_input html_cases={refused + accepted} refused={refused} accepted={accepted} problems={len(problems)}"
    print("\n" + summary)
    record_property("bad_input_checklists", summary)
    assert not problems, summary + "\n" + "\n".join(problems)
