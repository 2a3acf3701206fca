"""HTML forms of the notice boards: a section editor built from the section's spec (fields, then rows with
blank rows to add), the due-rule table, and the overdue list's filters. Validation is the service's
(content.clean_content); its errors are shown next to the field they name."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (BooleanField, FieldList, Form, FormField, IntegerField, SearchField, SelectChoice, SelectField, StringField,
                     TextAreaField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.disclosures.content import SPECS, Field, fen_to_yuan
from portal.disclosures.models import BoardSection, DueFrequency
from portal.forms import PortalForm
from portal.listing import ListFilterForm
from portal.validation import NoControlChars

BLANK_ROWS = 2


def _input(spec: Field):
    label = spec.label
    if spec.kind == "choice":
        return SelectField(label, choices=[SelectChoice(value="", label="—")] + [SelectChoice(value=code, label=text) for code, text in spec.choices],
                           default="")
    if spec.kind == "long":
        return TextAreaField(label, render_kw={"maxlength": spec.max_len, "rows": 3})
    render = {"date": {"type": "date"}, "fen": {"inputmode": "decimal"}, "int": {"inputmode": "numeric"},
              "year": {"inputmode": "numeric"}, "quarter": {"placeholder": "2026Q3"},
              "month": {"placeholder": "2026-10"}}.get(spec.kind, {"maxlength": spec.max_len})
    return StringField(label, render_kw=render)


def _form_value(spec: Field, value) -> str:
    if value is None:
        return ""
    return fen_to_yuan(value) if spec.kind == "fen" else str(value)


def section_form(section: BoardSection, content: dict | None, formdata=None) -> PortalForm:
    """The editor of ``section``: its fields, its rows (those of ``content`` and BLANK_ROWS empty ones),
    a correction box with its reason."""
    spec = SPECS[section]

    class RowForm(Form):
        pass

    for f in spec.rows:
        setattr(RowForm, f.name, _input(f))

    class SectionForm(PortalForm):
        reason = StringField(_l("Reason for the correction"), validators=[Optional(), Length(max=500), NoControlChars()])
        correction = BooleanField(_l("This version corrects a mistake in the published one"))

    for f in spec.fields:
        setattr(SectionForm, "f_" + f.name, _input(f))
    rows = (content or {}).get("rows", [])
    if spec.rows:
        SectionForm.rows = FieldList(FormField(RowForm), min_entries=len(rows) + BLANK_ROWS, max_entries=200)
    form = SectionForm(formdata=formdata) if formdata is not None else SectionForm()
    if formdata is None and content is not None and not form.is_submitted():
        for f in spec.fields:
            getattr(form, "f_" + f.name).data = _form_value(f, content.get("fields", {}).get(f.name))
        for entry, row in zip(form.rows if spec.rows else [], rows):
            for f in spec.rows:
                getattr(entry.form, f.name).data = _form_value(f, row.get(f.name))
    form.spec = spec
    return form


def form_content(form, section: BoardSection) -> dict:
    """The posted editor as content data (money in yuan as typed; rows left wholly empty dropped)."""
    spec = SPECS[section]
    fields = {f.name: (getattr(form, "f_" + f.name).data or "") for f in spec.fields}
    rows = []
    for entry in (form.rows if spec.rows else []):
        row = {f.name: (getattr(entry.form, f.name).data or "") for f in spec.rows}
        if any(str(v).strip() for v in row.values()):
            rows.append(row)
    return {"fields": {k: v for k, v in fields.items() if str(v).strip()}, "rows": rows}


def show_error(form, error) -> None:
    """Put a service error on the field it names (``fields.x``, ``rows.3.y``, ``reason``), else on the form."""
    parts = (error.field or "").split(".")
    target = None
    if parts[0] == "fields" and len(parts) > 1:
        target = getattr(form, "f_" + parts[1], None)
    elif parts[0] == "rows" and len(parts) > 2 and hasattr(form, "rows"):
        try:
            target = getattr(form.rows[int(parts[1])].form, parts[2], None)
        except (IndexError, ValueError):
            target = None
    elif parts[0] in ("reason", "correction"):
        target = getattr(form, parts[0])
    if target is None:
        form.form_errors.append(str(error.message))
    else:
        target.errors = list(target.errors) + [str(error.message)]


class DueRulesForm(PortalForm):
    """One line per section: how it falls due and the days the rule allows."""


def due_rules_form(current: dict, formdata=None) -> PortalForm:
    class Rules(DueRulesForm):
        pass

    for section in BoardSection:
        setattr(Rules, f"freq_{section.value}", SelectField(
            _l("How %(section)s falls due", section=section.label),
            choices=[SelectChoice(value=f.value, label=f.label) for f in DueFrequency], validators=[InputRequired()]))
        setattr(Rules, f"days_{section.value}", IntegerField(
            _l("Days for %(section)s", section=section.label),
            validators=[InputRequired(_l("Enter a number of days.")),
                        NumberRange(0, 366, _l("Enter a whole number from 0 to 366."))]))
    form = Rules(formdata=formdata) if formdata is not None else Rules()
    if not form.is_submitted():
        for section, rule in current.items():
            getattr(form, f"freq_{section.value}").data = rule.frequency.value
            getattr(form, f"days_{section.value}").data = rule.days
    return form


class OverdueFilterForm(ListFilterForm):
    section = SelectField(_l("Section"), choices=[SelectChoice(value="", label=_l("Every section"))]
                          + [SelectChoice(value=s.value, label=s.label) for s in BoardSection],
                          default="", validators=[Optional()])


class DirectoryFilterForm(ListFilterForm):
    q = SearchField(_l("Search communities"), description=_l("Community, street or property firm"),
                    validators=[Optional(), Length(max=100), NoControlChars()])
