"""Forms of the list editor; domain rules (weights, codes, thresholds) are checked in services."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm
from portal.validation import NoControlChars


def _required(message, multiline: bool = False):
    return [DataRequired(message), NoControlChars(multiline=multiline)]


class NewDraftForm(PortalForm):
    kind = SelectField(_l("List"), choices=[SelectChoice(value=k, label=k) for k in ("A", "B", "C")],
                       validators=[DataRequired(_l("Choose a list."))])
    note = StringField(_l("What will change (optional)"), validators=[Optional(), Length(max=500), NoControlChars()])


class SectionForm(PortalForm):
    code = StringField(_l("Code"), validators=[*_required(_l("Enter a code, e.g. A1.")), Length(max=16)])
    title_zh = StringField(_l("Title (Chinese)"), validators=[*_required(_l("Enter the Chinese title.")), Length(max=120)])
    title_en = StringField(_l("Title (English)"), validators=[Optional(), Length(max=160), NoControlChars()])
    # Text, not a DecimalField: the service names the exact rule broken (range, decimals, not a number).
    weight = StringField(_l("Weight (points out of 100)"), validators=[Length(max=20), NoControlChars()],
                         render_kw={"inputmode": "decimal"})


class ItemForm(PortalForm):
    code = StringField(_l("Code"), validators=[*_required(_l("Enter a code, e.g. A1.1.")), Length(max=16)])
    text_zh = TextAreaField(_l("Text (Chinese)"), validators=[*_required(_l("Enter the Chinese text."), multiline=True),
                                                                Length(max=500)])
    text_en = TextAreaField(_l("Text (English)"), validators=[Optional(), Length(max=500), NoControlChars(multiline=True)])
    evidence = StringField(_l("Evidence"), validators=[Optional(), Length(max=120), NoControlChars()])
    grade1 = StringField(_l("Grade 1 variant"), validators=[Optional(), Length(max=60), NoControlChars()])
    grade2 = StringField(_l("Grade 2 variant"), validators=[Optional(), Length(max=60), NoControlChars()])
    grade3 = StringField(_l("Grade 3 variant"), validators=[Optional(), Length(max=60), NoControlChars()])
    to_verify = BooleanField(_l("Wording to be verified against the original standard"))
    threshold_area = StringField(_l("Threshold: share of floor area"), validators=[Optional(), Length(max=8), NoControlChars()])
    threshold_headcount = StringField(_l("Threshold: share of owners"), validators=[Optional(), Length(max=8), NoControlChars()])
    threshold_strict = BooleanField(_l("More than the share (unchecked: at least the share)"))

    def data_for_service(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "code", "text_zh", "text_en", "evidence", "grade1", "grade2", "grade3", "to_verify", "threshold_area",
            "threshold_headcount", "threshold_strict")}


class MoveForm(PortalForm):
    direction = SelectField(_l("Direction"), choices=[SelectChoice(value="up", label=_l("Up")),
                                                    SelectChoice(value="down", label=_l("Down"))],
                            validators=[DataRequired(_l("Choose up or down."))])


class PublishForm(PortalForm):
    note = StringField(_l("Note: what changed and why"),
                       validators=[*_required(_l("Say what changed and why.")), Length(max=500)])


class ReasonForm(PortalForm):
    reason = StringField(_l("Reason (optional)"), validators=[Optional(), Length(max=500), NoControlChars()])
