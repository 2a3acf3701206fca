"""HTML forms of owner scoring (one star group per list-A category of the period, a comment), comment moderation
and assessments (points per checklist item, notes, the day, evidence photos). The category and item fields are
made per period, from its frozen list versions."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import MultipleFileField
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from portal.evaluation.models import CommentStatus
from portal.evaluation.scoring_assessments import NOTES_MAX, Line, field_name, format_cp
from portal.evaluation.scoring_services import COMMENT_MAX, REASON_MAX
from portal.forms import PortalForm, UploadForm
from portal.listing import ListFilterForm
from portal.validation import NoControlChars

STAR_LABELS = {
    1: _l("1 star: very poor"),
    2: _l("2 stars: poor"),
    3: _l("3 stars: fair"),
    4: _l("4 stars: good"),
    5: _l("5 stars: very good"),
}


def star_field_name(code: str) -> str:
    return "stars_" + code.replace(".", "_")


class _ScoreBase(PortalForm):
    comment = TextAreaField(_l("Comment (optional)"),
                            validators=[Optional(), Length(max=COMMENT_MAX, message=_l("Write at most %(max)d characters.")),
                                        NoControlChars()], render_kw={"maxlength": COMMENT_MAX, "rows": 4})

    category_codes: tuple[str, ...] = ()

    def star_fields(self):
        return [getattr(self, star_field_name(code)) for code in self.category_codes]

    def ratings(self) -> dict[str, str]:
        return {code: getattr(self, star_field_name(code)).data for code in self.category_codes}


def score_form(sections, locale: str, formdata=None, **kwargs) -> _ScoreBase:
    """A form with one star group per category (section) of the period's list A, in the list's order."""
    attrs = {"category_codes": tuple(s.code for s in sections)}
    choices = [SelectChoice(value=str(n), label=STAR_LABELS[n]) for n in (5, 4, 3, 2, 1)]
    for section in sections:
        attrs[star_field_name(section.code)] = RadioField(
            section.title(locale), choices=choices,
            validators=[InputRequired(_l("Give this category 1 to 5 stars."))])
    form_class = type("ScoreForm", (_ScoreBase,), attrs)
    return form_class(formdata=formdata, **kwargs) if formdata is not None else form_class(**kwargs)


class ModerateForm(PortalForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice(value="publish", label=_l("Publish (without who wrote it)")),
                                                   SelectChoice(value="hide", label=_l("Hide (the text is kept for the audit)"))],
                          validators=[InputRequired(_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason (required to hide)"),
                           validators=[Optional(), Length(max=REASON_MAX, message=_l("Write at most %(max)d characters.")),
                                       NoControlChars()], render_kw={"maxlength": REASON_MAX, "rows": 3})


class CommentFilterForm(ListFilterForm):
    filters_open = True
    state = SelectField(_l("State"), choices=[SelectChoice(value=s.value, label=s.label)
                                              for s in CommentStatus if s != CommentStatus.NONE]
                        + [SelectChoice(value="all", label=_l("Every state"))],
                        default=CommentStatus.PENDING.value, validators=[Optional()])


class _AssessmentBase(UploadForm):
    file_fields = ("photos",)

    assessed_on = DateField(_l("Date of the assessment"), validators=[InputRequired(_l("Enter a date such as 2026-09-15."))])
    notes = TextAreaField(_l("Findings (optional)"),
                          validators=[Optional(), Length(max=NOTES_MAX, message=_l("Write at most %(max)d characters.")),
                                      NoControlChars()], render_kw={"maxlength": NOTES_MAX, "rows": 4})
    photos = MultipleFileField(_l("Evidence photos (optional: JPEG, PNG or WebP, at most 6)"),
                               render_kw={"accept": "image/jpeg,image/png,image/webp"})

    lines: tuple[Line, ...] = ()

    def point_fields(self):
        return [(line, getattr(self, field_name(line.code))) for line in self.lines]

    def points(self) -> dict[str, str]:
        return {line.code: field.data for line, field in self.point_fields()}


def assessment_form(lines: list[Line], formdata=None, **kwargs) -> _AssessmentBase:
    """One points box per item, labelled with the item and what it is worth."""
    attrs = {"lines": tuple(lines)}
    for line in lines:
        attrs[field_name(line.code)] = StringField(
            _l("%(code)s %(text)s (0 to %(max)s points)", code=line.code, text=line.text, max=format_cp(line.max_cp)),
            validators=[InputRequired(_l("Give its points (0 if not met)."))],
            render_kw={"inputmode": "decimal", "maxlength": 8, "size": 6})
    form_class = type("AssessmentForm", (_AssessmentBase,), attrs)
    return form_class(formdata=formdata, **kwargs) if formdata is not None else form_class(**kwargs)
