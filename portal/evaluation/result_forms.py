"""Forms of the results part: the ranking's filters, an appeal, its decision, a rectification plan and its steps,
the re-inspection."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from portal.evaluation.result_models import AppealItem, AppealStatus, Grade, LadderLevel
from portal.forms import PortalForm
from portal.listing import ListFilterForm
from portal.validation import NoControlChars


class RankingFilterForm(ListFilterForm):
    """The ranking's filters: pool, street, grade, ladder level (the search box looks for a community or firm)."""

    pool = SelectField(_l("Ranking pool"), choices=[], validators=[Optional()])  # choices: the run's pools
    area_id = SelectField(_l("Street"), choices=[], validators=[Optional()], validate_choice=False)
    grade = SelectField(_l("Grade"), validators=[Optional()],
                        choices=lambda: [("", _l("All grades"))] + [(g.value, g.label) for g in Grade])
    level = SelectField(_l("Card on the ladder"), validators=[Optional()],
                        choices=lambda: [("", _l("All"))] + [(v.value, v.label) for v in LadderLevel])

    def narrowed(self) -> bool:
        return bool(self.pool.data or self.area_id.data or self.grade.data or self.level.data)

    def validate_area_id(self, field):
        if field.data and (not str(field.data).isdigit() or int(field.data) > 2**31 - 1):
            raise ValidationError(_l("Choose a street from the list."))


class AppealForm(PortalForm):
    item = SelectField(_l("What you appeal"), validators=[DataRequired(_l("Choose the item you appeal."))])
    statement = TextAreaField(_l("What is wrong, and why"), validators=[
        DataRequired(_l("Say what is wrong and why.")), Length(max=2000), NoControlChars(multiline=True)])


def appeal_item_choices(adjustments, assessments) -> list[tuple[str, str]]:
    """"owner:0", "community:0", "adjustment:<id>", "community:<assessment id>"..."""
    choices = [("", _l("— choose —"))]
    for item in (AppealItem.OWNER, AppealItem.COMMUNITY, AppealItem.AUTHORITY, AppealItem.TICKET):
        choices.append((f"{item.value}:0", item.label))
    for a in assessments:
        choices.append((f"{a.kind.value}:{a.id}", _l("%(kind)s of %(day)s", kind=a.kind.label, day=a.assessed_on)))
    for adj in adjustments:
        choices.append((f"adjustment:{adj.id}", f"{adj.kind.label} · {adj.reason[:40]}"))
    return choices


class DecisionForm(PortalForm):
    decision = RadioField(_l("Decision"), validators=[InputRequired(_l("Choose the decision."))],
                          choices=lambda: [(s.value, s.label) for s in (AppealStatus.UPHELD, AppealStatus.PARTLY,
                                                                       AppealStatus.REJECTED)])
    reason = TextAreaField(_l("Reasons"), validators=[DataRequired(_l("Give the reasons for the decision.")),
                                                      Length(max=2000), NoControlChars(multiline=True)])
    corrected = DecimalField(_l("Corrected assessment total (0–100), when the appeal concerns an assessment"),
                             places=2, validators=[Optional(), NumberRange(min=0, max=100)])


class PlanForm(PortalForm):
    plan = TextAreaField(_l("The plan: what will be put right, and how"), validators=[
        DataRequired(_l("Describe what will be put right, and how.")), Length(max=4000), NoControlChars(multiline=True)])


class MilestoneForm(PortalForm):
    title = StringField(_l("Step"), validators=[DataRequired(_l("Name the step.")), Length(max=200), NoControlChars()])
    due_on = DateField(_l("Done by"), validators=[InputRequired(_l("Give the date the step will be done by."))])


class MilestoneDoneForm(PortalForm):
    note = TextAreaField(_l("What was done"), validators=[Optional(), Length(max=4000), NoControlChars(multiline=True)])


class ReinspectionForm(PortalForm):
    outcome = RadioField(_l("Re-inspection"), validators=[InputRequired(_l("Choose the outcome."))],
                         choices=lambda: [("verified", _l("Accepted: the work is done")),
                                          ("failed", _l("Not accepted"))])
    note = TextAreaField(_l("What the re-inspection found"), validators=[
        DataRequired(_l("Write what the re-inspection found.")), Length(max=4000), NoControlChars(multiline=True)])
