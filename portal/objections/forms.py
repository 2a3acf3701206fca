"""HTML forms of objections: filing (item, reason, optional photo), the firm's answer, the owner's accept or
escalate, the street office's decision, the list's filters and the tenant's answer limit."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import PortalForm, UploadForm
from portal.listing import ListFilterForm
from portal.objections.models import Decision, ObjectionStatus
from portal.objections.services import ANSWER_MAX, REASON_MAX
from portal.validation import NoControlChars

PHOTO = "photo"


class FileObjectionForm(UploadForm):
    """What the owner objects to (a row of the section, or the section), why, and a photo if they have one."""

    file_fields = (PHOTO,)

    item = RadioField(_l("What you object to"), validators=[InputRequired(_l("Choose what you object to."))])
    reason = TextAreaField(_l("Why (what is wrong, and what it should say)"),
                           validators=[InputRequired(_l("Write your reason.")),
                                       Length(max=REASON_MAX, message=_l("Write at most %(max)d characters.")),
                                       NoControlChars()], render_kw={"maxlength": REASON_MAX, "rows": 5})
    photo = FileField(_l("Photo (optional: JPEG, PNG or WebP)"), render_kw={"accept": "image/jpeg,image/png,image/webp"})

    def set_items(self, choices: list[tuple[int | None, str]]) -> None:
        self.item.choices = [SelectChoice(value="section" if index is None else str(index), label=label)
                             for index, label in choices]


class AnswerForm(PortalForm):
    answer = TextAreaField(_l("Your answer to the owner"),
                           validators=[InputRequired(_l("Write your answer.")),
                                       Length(max=ANSWER_MAX, message=_l("Write at most %(max)d characters.")),
                                       NoControlChars()], render_kw={"maxlength": ANSWER_MAX, "rows": 5})
    correction_seq = IntegerField(_l("Correction published (version number, optional)"),
                                  validators=[Optional(), NumberRange(1, 1_000_000, _l("Enter a version number."))],
                                  render_kw={"inputmode": "numeric"})


class AcceptForm(PortalForm):
    """Accept the firm's answer (one button)."""


class EscalateForm(PortalForm):
    note = TextAreaField(_l("Why the answer does not settle it (optional)"),
                         validators=[Optional(), Length(max=REASON_MAX, message=_l("Write at most %(max)d characters.")),
                                     NoControlChars()], render_kw={"maxlength": REASON_MAX, "rows": 3})


class DecideForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(value=d.value, label=d.label) for d in Decision],
                          validators=[InputRequired(_l("Choose a decision."))])
    decision_reason = TextAreaField(_l("Reason for the decision"),
                                    validators=[InputRequired(_l("Write the reason for the decision.")),
                                                Length(max=REASON_MAX, message=_l("Write at most %(max)d characters.")),
                                                NoControlChars()], render_kw={"maxlength": REASON_MAX, "rows": 4})


class ObjectionFilterForm(ListFilterForm):
    state = SelectField(_l("State"), choices=[SelectChoice(value="", label=_l("Every state"))]
                         + [SelectChoice(value=s.value, label=s.label) for s in ObjectionStatus],
                         default="", validators=[Optional()])
    overdue = BooleanField(_l("Only overdue (the firm's answer is late)"))


class AnswerDaysForm(PortalForm):
    answer_days = IntegerField(_l("Working days the firm has to answer an objection"),
                               validators=[InputRequired(_l("Enter a number of working days.")),
                                           NumberRange(1, 60, _l("Enter a whole number from 1 to 60."))])
