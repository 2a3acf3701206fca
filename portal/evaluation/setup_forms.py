"""HTML forms of the evaluation's setup: a scheme version (every rule, in points and per cent), a period, a step
of a period, a bonus/penalty/veto record with photos, revoking one, and the lists' filters."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, DecimalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.evaluation.models import AdjustmentKind, AdjustmentSource, PeriodStatus
from portal.evaluation.rules import ELIMINATION_MODES, POOL_RULES, VETO_CONDITIONS, GradeBand, SchemeRules
from portal.evaluation.setup_adjustments import BONUS_TYPES, PENALTY_TYPES
from portal.evaluation.setup_wording import ELIMINATION_LABELS, POOL_LABELS, VETO_LABELS
from portal.forms import PortalForm, UploadForm
from portal.listing import ListFilterForm
from portal.pickers.forms import PickerField
from portal.validation import NoControlChars
from wtforms import widgets

CONDITION_LABELS = {
    "service": _l("Service below the standard"), "safety": _l("Safety hazard"), "disclosure": _l("Disclosure"),
    "complaint": _l("Complaint upheld"), "other": _l("Other"), "award": _l("Award or honour"),
    "praise": _l("Praise from owners or the press"), "innovation": _l("Good practice worth spreading"),
}


def _points(label, low=0, high=100, required=_l("Enter a number of points.")):
    return DecimalField(label, places=2, validators=[
        InputRequired(required), NumberRange(low, high, _l("Enter a number from %(min)s to %(max)s."))],
        render_kw={"inputmode": "decimal"})


def _count(label, low, high):
    return IntegerField(label, validators=[InputRequired(_l("Enter a whole number.")),
                                           NumberRange(low, high, _l("Enter a whole number from %(min)s to %(max)s."))],
                        render_kw={"inputmode": "numeric"})


class _Checks(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class SchemeForm(PortalForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter a name.")),
                                               Length(max=120, message=_l("Write at most %(max)d characters.")),
                                               NoControlChars()])
    change_note = TextAreaField(_l("What changed and why (optional)"),
                                validators=[Optional(), Length(max=500, message=_l("Write at most %(max)d characters.")),
                                            NoControlChars()], render_kw={"rows": 2, "maxlength": 500})
    weight_owner = _points(_l("Weight of owner satisfaction (%)"))
    weight_community = _points(_l("Weight of the community assessment (%)"))
    weight_authority = _points(_l("Weight of the bureau inspection (%)"))
    weight_ticket = _points(_l("Weight of repair and complaint handling (%)"))
    bonus_cap = _points(_l("Bonus cap (points)"), 0, 20)
    penalty_cap = _points(_l("Penalty cap (points)"), 0, 100)
    grade_excellent = _points(_l("Excellent from (points)"))
    grade_good = _points(_l("Good from (points)"))
    grade_pass = _points(_l("Pass from (points)"))
    veto_conditions = _Checks(_l("Veto conditions (一票否决)"),
                              choices=[SelectChoice(c, VETO_LABELS[c]) for c in VETO_CONDITIONS])
    pool_rule = SelectField(_l("Ranking pool"), choices=[SelectChoice(p, POOL_LABELS[p]) for p in POOL_RULES],
                            validators=[InputRequired(_l("Choose a ranking pool."))])
    min_sample_units = _count(_l("Minimum owner sample (units)"), 1, 10000)
    min_sample_percent = _count(_l("Minimum owner sample (per cent of the units)"), 0, 100)
    shrinkage_strength = _count(_l("Shrinkage strength (pseudo-scores at the pool mean)"), 0, 1000)
    elimination_mode = SelectField(_l("Elimination rule"),
                                   choices=[SelectChoice(m, ELIMINATION_LABELS[m]) for m in ELIMINATION_MODES],
                                   validators=[InputRequired(_l("Choose an elimination rule."))])
    elimination_value = _count(_l("Elimination value (per cent or number of projects)"), 0, 100)
    yellow_after = _count(_l("Periods caught before a yellow card"), 1, 12)
    red_after = _count(_l("Periods caught before a red card"), 1, 12)
    removal_after = _count(_l("Periods caught before removal is recommended"), 1, 12)
    exit_after = _count(_l("Good periods that lift a card"), 1, 12)
    rectification_days = _count(_l("Days to rectify after a card"), 1, 365)
    appeal_working_days = _count(_l("Appeal window (working days)"), 1, 60)
    review_working_days = _count(_l("Working days to decide an appeal"), 1, 60)
    min_service_months = _count(_l("Months of service before a project is ranked"), 0, 60)
    board_overdue_penalty = _points(_l("Penalty per overdue notice-board section (points)"), 0, 30)
    objection_late_penalty = _points(_l("Penalty per objection answered late (points)"), 0, 30)
    adjustment_validity_days = _count(_l("Bonus and penalty records stay valid (days)"), 1, 3650)

    def fill(self, rules: SchemeRules) -> None:
        w = rules.weights
        for c in ("owner", "community", "authority", "ticket"):
            getattr(self, f"weight_{c}").data = Decimal(w.get(c, 0)) / 100
        self.bonus_cap.data, self.penalty_cap.data = Decimal(rules.bonus_cap_cp) / 100, Decimal(rules.penalty_cap_cp) / 100
        bands = {b.grade: b.min_cp for b in rules.grade_bands}
        for grade in ("excellent", "good", "pass"):
            getattr(self, f"grade_{grade}").data = Decimal(bands.get(grade, 0)) / 100
        self.veto_conditions.data = list(rules.veto_conditions)
        self.min_sample_percent.data = rules.min_sample_permille // 10
        self.board_overdue_penalty.data = Decimal(rules.board_overdue_penalty_cp) / 100
        self.objection_late_penalty.data = Decimal(rules.objection_late_penalty_cp) / 100
        for name in ("pool_rule", "min_sample_units", "shrinkage_strength", "elimination_mode", "elimination_value",
                     "yellow_after", "red_after", "removal_after", "exit_after", "rectification_days",
                     "appeal_working_days", "review_working_days", "min_service_months", "adjustment_validity_days"):
            getattr(self, name).data = getattr(rules, name)

    def rules(self, base: SchemeRules) -> SchemeRules:
        from dataclasses import replace

        def cp(field) -> int:
            return int((field.data * 100).to_integral_value())

        bands = (GradeBand("excellent", cp(self.grade_excellent)), GradeBand("good", cp(self.grade_good)),
                 GradeBand("pass", cp(self.grade_pass)), GradeBand("fail", 0))
        return replace(base, weights={c: cp(getattr(self, f"weight_{c}"))
                                      for c in ("owner", "community", "authority", "ticket")},
                       bonus_cap_cp=cp(self.bonus_cap), penalty_cap_cp=cp(self.penalty_cap), grade_bands=bands,
                       veto_conditions=tuple(c for c in VETO_CONDITIONS if c in (self.veto_conditions.data or [])),
                       min_sample_permille=self.min_sample_percent.data * 10,
                       board_overdue_penalty_cp=cp(self.board_overdue_penalty),
                       objection_late_penalty_cp=cp(self.objection_late_penalty),
                       **{name: getattr(self, name).data for name in (
                           "pool_rule", "min_sample_units", "shrinkage_strength", "elimination_mode",
                           "elimination_value", "yellow_after", "red_after", "removal_after", "exit_after",
                           "rectification_days", "appeal_working_days", "review_working_days", "min_service_months",
                           "adjustment_validity_days")})


# Which form field shows a problem SchemeRules.problems() reports.
RULE_FIELDS = {"weights": "weight_owner", "grade_bands": "grade_good", "ladder": "red_after",
               "veto_conditions": "veto_conditions", "pool_rule": "pool_rule", "elimination_mode": "elimination_mode"}


class PeriodForm(PortalForm):
    name = StringField(_l("Name"), validators=[InputRequired(_l("Enter a name.")),
                                               Length(max=80, message=_l("Write at most %(max)d characters.")),
                                               NoControlChars()])
    start_date = DateField(_l("First day"), validators=[InputRequired(_l("Enter the first day."))])
    end_date = DateField(_l("Last day"), validators=[InputRequired(_l("Enter the last day."))])


class StepForm(PortalForm):
    reason = TextAreaField(_l("Reason (kept in the period's log)"),
                           validators=[InputRequired(_l("Write the reason.")),
                                       Length(max=500, message=_l("Write at most %(max)d characters.")),
                                       NoControlChars()], render_kw={"rows": 2, "maxlength": 500})


class ButtonForm(PortalForm):
    """One button (publish a version; derive the disclosure penalties now): only the form token."""


class AdjustmentForm(UploadForm):
    file_fields = ("photo",)

    community_id = PickerField(_l("Community"), source="communities",
                               validators=[InputRequired(_l("Choose a community."))])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k.value, k.label) for k in AdjustmentKind],
                       validators=[InputRequired(_l("Choose bonus, penalty or veto."))])
    condition = SelectField(_l("Type or veto condition"), choices=(
        [SelectChoice(c, CONDITION_LABELS[c]) for c in BONUS_TYPES[:-1] + PENALTY_TYPES]
        + [SelectChoice(c, VETO_LABELS[c]) for c in VETO_CONDITIONS]),
        validators=[InputRequired(_l("Choose a type."))])
    points = DecimalField(_l("Points (not for a veto)"), places=2, validators=[
        Optional(), NumberRange(Decimal("0.01"), 100, _l("Enter a number from %(min)s to %(max)s."))],
        render_kw={"inputmode": "decimal"})
    occurred_on = DateField(_l("Day it happened"), validators=[InputRequired(_l("Enter the day it happened."))])
    valid_until = DateField(_l("Valid until (optional: the scheme's validity)"), validators=[Optional()])
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(_l("Write the reason.")),
                                                     Length(max=1000, message=_l("Write at most %(max)d characters.")),
                                                     NoControlChars()], render_kw={"rows": 3, "maxlength": 1000})
    evidence = TextAreaField(_l("Evidence (document numbers, what the photos show; optional)"),
                             validators=[Optional(), Length(max=2000, message=_l("Write at most %(max)d characters.")),
                                         NoControlChars()], render_kw={"rows": 2, "maxlength": 2000})
    photo = FileField(_l("Evidence photo (optional: JPEG, PNG or WebP)"),
                      render_kw={"accept": "image/jpeg,image/png,image/webp"})


class EvidenceForm(UploadForm):
    file_fields = ("photo",)
    photo = FileField(_l("Evidence photo (JPEG, PNG or WebP)"), render_kw={"accept": "image/jpeg,image/png,image/webp"})


class RevokeForm(PortalForm):
    revoke_reason = TextAreaField(_l("Why it is revoked"),
                                  validators=[InputRequired(_l("Write why it is revoked.")),
                                              Length(max=500, message=_l("Write at most %(max)d characters.")),
                                              NoControlChars()], render_kw={"rows": 2, "maxlength": 500})


class PeriodFilterForm(ListFilterForm):
    state = SelectField(_l("State"), choices=[SelectChoice("", _l("Every state"))]
                        + [SelectChoice(s.value, s.label) for s in PeriodStatus], default="", validators=[Optional()])


class AdjustmentFilterForm(ListFilterForm):
    kind = SelectField(_l("Kind"), choices=[SelectChoice("", _l("Every kind"))]
                       + [SelectChoice(k.value, k.label) for k in AdjustmentKind], default="", validators=[Optional()])
    source = SelectField(_l("Source"), choices=[SelectChoice("", _l("Every source"))]
                         + [SelectChoice(s.value, s.label) for s in AdjustmentSource], default="",
                         validators=[Optional()])
