"""HTML forms of tickets: filing (owner, staff for a caller), each workflow step, supervision, settings, the list."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, RadioField, SearchField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp

from portal.forms import BoundedIntegerField, PortalForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.tickets.models import (
    CONSULTATION_PARTIES,
    Complexity,
    LimitUnit,
    Satisfaction,
    TicketSource,
    TicketStatus,
    TicketType,
    Urgency,
    party_label,
)
from portal.tickets.workflow import MAX_EXTENSION_DAYS
from portal.validation import NoControlChars


def _text(label, required=None, max_length=1000, multiline=True):
    validators = [DataRequired(required)] if required else [Optional()]
    field = TextAreaField if multiline else StringField
    return field(label, validators=validators + [Length(max=max_length), NoControlChars(multiline=multiline)])


def category_choices(categories):
    return [("", _l("— choose —"))] + [(str(c.id), f"{c.ticket_type.label} · {c.name}") for c in categories]


class _ProblemForm(PortalForm):
    """What is wrong, where and how urgent; photos come as file parts next to it (read by the view, checked by storage)."""

    category_id = SelectField(_l("What is it about?"), validators=[DataRequired(_l("Choose what the ticket is about."))])
    description = _text(_l("Description"), _l("Describe the problem."), 2000)
    location = _text(_l("Where in the estate"), max_length=120, multiline=False)
    urgency = RadioField(_l("Urgency"), choices=lambda: [(u.value, u.label) for u in Urgency], default=Urgency.NORMAL.value,
                         validators=[InputRequired(_l("Choose the urgency."))])


class TicketForm(_ProblemForm):
    """What an owner reports about the community of one of their units."""

    unit_id = SelectField(_l("Your unit"), validators=[DataRequired(_l("Choose your unit."))])


class CallerTicketForm(_ProblemForm):
    """Staff take a ticket down for a caller (phone, walk-in, reception day, hotline)."""

    community_id = PickerField(_l("Community"), source="communities", check_choice=True,
                               validators=[DataRequired(_l("Choose the community."))])
    source = SelectField(_l("Received by"), choices=lambda: [(s.value, s.label) for s in TicketSource if s != TicketSource.ONLINE],
                         validators=[DataRequired(_l("Choose how the ticket was received."))])
    caller_name = _text(_l("Caller's name"), max_length=80, multiline=False)
    caller_phone = _text(_l("Caller's phone"), max_length=32, multiline=False)


class NoteForm(PortalForm):
    note = _text(_l("Note"), max_length=1000)


class AcceptForm(PortalForm):
    assignee_id = SelectField(_l("Assign to"), validators=[DataRequired(_l("Choose who will handle it."))])
    note = _text(_l("Note"), max_length=1000)


class ResolveForm(PortalForm):
    note = _text(_l("What was done"), _l("Say what was done."), 2000)


class ConfirmForm(PortalForm):
    rating = RadioField(_l("Your rating"), choices=lambda: [(str(n), str(n)) for n in range(5, 0, -1)],
                        validators=[InputRequired(_l("Choose a rating from 1 to 5 stars."))])
    comment = _text(_l("Comment"), max_length=500)


class ReopenForm(PortalForm):
    reason = _text(_l("What is still wrong"), _l("Say what is still wrong."), 1000)


class TriageForm(PortalForm):
    complexity = RadioField(_l("How hard is it?"), choices=lambda: [(c.value, c.label) for c in Complexity],
                            validators=[InputRequired(_l("Choose simple or complex."))])


class ConsultationForm(PortalForm):
    held_on = DateField(_l("Held on"), validators=[InputRequired(_l("Enter the date of the consultation."))])
    parties = SelectMultipleField(_l("Parties invited"), choices=lambda: [(p, party_label(p)) for p in CONSULTATION_PARTIES],
                                  validators=[DataRequired(_l("Choose at least one of the parties offered."))])
    other_parties = _text(_l("Other parties"), max_length=200, multiline=False)
    outcome = _text(_l("Outcome"), _l("Write down what was agreed."), 2000)
    tasks = _text(_l("Who does what"), max_length=2000)
    tasks_due_on = DateField(_l("By when"), validators=[Optional()])


class UrgeForm(PortalForm):
    note = _text(_l("What you ask the firm to do"), _l("Write what you ask the firm to do."), 1000)


class ExtendForm(PortalForm):
    days = BoundedIntegerField(_l("Extend by (working days)"), minimum=1, maximum=MAX_EXTENSION_DAYS,
                               validators=[InputRequired(_l("Enter the number of working days."))])
    reason = _text(_l("Reason"), _l("Give the reason for the extension."), 1000)


class FollowUpForm(PortalForm):
    reached = RadioField(_l("Reached the caller?"), choices=lambda: [("yes", _l("Reached")), ("no", _l("Not reached"))],
                         validators=[InputRequired(_l("Say whether the caller was reached."))])
    satisfaction = SelectField(_l("Satisfaction"), choices=lambda: [("", _l("— choose —"))] + [(s.value, s.label) for s in Satisfaction],
                               validators=[Optional()])
    notes = _text(_l("Notes"), max_length=1000)


class CategoryForm(PortalForm):
    name_zh = _text(_l("Name (Chinese)"), _l("Enter the category's name."), 80, multiline=False)
    name_en = _text(_l("Name (English)"), _l("Enter the category's name."), 80, multiline=False)
    response_limit = BoundedIntegerField(_l("Response within"), minimum=1, maximum=366,
                                         validators=[InputRequired(_l("Enter a limit from 1 to 366."))])
    response_unit = SelectField(_l("Time unit"), choices=lambda: [(u.value, u.label) for u in LimitUnit])
    resolve_limit = BoundedIntegerField(_l("Resolution within"), minimum=1, maximum=366,
                                        validators=[InputRequired(_l("Enter a limit from 1 to 366."))])
    resolve_unit = SelectField(_l("Time unit"), choices=lambda: [(u.value, u.label) for u in LimitUnit])
    is_active = BooleanField(_l("Offered for new tickets"))

    def values(self) -> dict:
        return {"name_zh": self.name_zh.data, "name_en": self.name_en.data, "response_limit": self.response_limit.data,
                "response_unit": LimitUnit(self.response_unit.data), "resolve_limit": self.resolve_limit.data,
                "resolve_unit": LimitUnit(self.resolve_unit.data), "is_active": bool(self.is_active.data)}


class CalendarDayForm(PortalForm):
    day = DateField(_l("Date"), validators=[InputRequired(_l("Enter a date."))])
    is_working = RadioField(_l("This day is"), choices=lambda: [("off", _l("A day off")), ("working", _l("A working day"))],
                            validators=[InputRequired(_l("Say whether it is a working day."))])
    name = _text(_l("Name (e.g. Spring Festival, make-up day)"), max_length=80, multiline=False)


def status_choices():
    return [("", _l("Any status"))] + [(s.value, s.label) for s in TicketStatus]


def type_choices():
    return [("", _l("Any type"))] + [(t.value, t.label) for t in TicketType]


class TicketFilterForm(ListFilterForm):
    q = SearchField(_l("Search tickets"), description=_l("Words of the description or location"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    # Not "status": the form's own ``status`` is the HTTP status of the list page.
    state = SelectField(_l("Status"), choices=status_choices, validators=[Optional()])
    ticket_type = SelectField(_l("Type"), choices=type_choices, validators=[Optional()])
    overdue = BooleanField(_l("Overdue only"), default=False)
    escalated = SelectField(_l("Escalated"), choices=lambda: [("", _l("Any level")), ("1", _l("To the community office or higher")),
                                                      ("2", _l("To the bureau (督办)"))], validators=[Optional()])

    def filters(self) -> dict:
        return {"q": self.q.data, "status": self.state.data or None, "ticket_type": self.ticket_type.data or None,
                "overdue": bool(self.overdue.data), "escalated": int(self.escalated.data) if self.escalated.data else None}


class KpiFilterForm(PortalForm):
    """The ticket dashboard's filters (GET): the month, an area, a firm, and what the table groups by."""

    class Meta:
        csrf = False

    month = StringField(_l("Month"), description=_l("Year and month, e.g. 2026-11"),
                        validators=[Optional(), Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", message=_l(
                            "Give the month as year-month, e.g. 2026-11."))])
    area_id = SelectField(_l("Area"), choices=[], validators=[Optional()])
    firm_id = SelectField(_l("Property firm"), choices=[], validators=[Optional()])
    group_by = SelectField(_l("Table by"), choices=lambda: [("community", _l("Community")), ("firm", _l("Property firm")),
                                                          ("area", _l("Area"))], default="community",
                           validators=[Optional()])

    @property
    def status(self) -> int:
        return 400 if self.errors else 200


class SpotCheckCallForm(PortalForm):
    """The result of the bureau's spot-check call on a drawn ticket."""

    reached = RadioField(_l("Reached the caller?"), choices=lambda: [("yes", _l("Reached")), ("no", _l("Not reached"))],
                         validators=[InputRequired(_l("Say whether the caller was reached."))])
    satisfied = RadioField(_l("Satisfied with how the ticket was handled?"),
                           choices=lambda: [("yes", _l("Satisfied")), ("no", _l("Not satisfied"))],
                           validators=[Optional()])
    notes = _text(_l("Notes"), max_length=1000)


class SpotCheckDrawForm(PortalForm):
    """Draw the half month's sample (the half month is in the URL's query)."""
