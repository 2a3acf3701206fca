"""HTML forms of the registry: areas, communities, buildings, the owners' committee."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.communities.models import CommitteePosition, ServiceGrade, area_kinds_for
from portal.forms import BoundedIntegerField, PortalForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.validation import NoControlChars


def text_field(label, required_message=None, max_length=120):
    validators = [DataRequired(required_message)] if required_message else [Optional()]
    return StringField(label, validators=validators + [Length(max=max_length), NoControlChars()])


def grade_choices():
    return [("", _l("— choose —"))] + [(g.value, g.label) for g in ServiceGrade]


class AreaForm(PortalForm):
    # Choices and labels follow the tenant's kind (streets and offices, or branches and regions).
    kind = SelectField(_l("Kind"), validators=[DataRequired(_l("Choose the kind of area."))])
    name = text_field(_l("Official name"), _l("Enter the area's name."), 80)
    # "Top": a street or a branch, whichever the tenant has (the parent of an office or a region).
    parent_id = PickerField(_l("Belongs to"), source="areas", narrowing={"kind": "top"},
                            blank=_l("— none —"), validators=[Optional()])

    def set_kind_choices(self, tenant_kind) -> None:
        top, child = area_kinds_for(tenant_kind)
        self.kind.choices = [(k.value, k.label) for k in (top, child)]


class AreaRenameForm(PortalForm):
    name = text_field(_l("Official name"), _l("Enter the area's name."), 80)


class CommunitySearchForm(ListFilterForm):
    """Finding communities by name or address, and by area (a street includes its offices)."""

    q = SearchField(_l("Search communities"), description=_l("Name or address"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    area_id = PickerField(_l("Area"), source="areas", blank=_l("All areas"), check_choice=True)

    def filters(self) -> dict:
        """The arguments of services.filtered_communities these filters stand for."""
        return {"q": self.q.data, "area_id": self.area_id.data}


SERVED_CHOICES = {"yes": True, "no": False}


class CommunityFilterForm(CommunitySearchForm):
    """The registry's list: also by grade, by the firm serving now, with or without a contract, and an order."""

    grade = SelectField(_l("Grade"), choices=lambda: [("", _l("Any grade"))] + [(g.value, g.label) for g in ServiceGrade],
                        validators=[Optional()])
    firm_id = PickerField(_l("Firm serving now"), source="firms", blank=_l("Any firm"), check_choice=True)
    served = SelectField(_l("Contract"), choices=lambda: [("", _l("With or without")),
                                                          ("yes", _l("A contract in force")),
                                                          ("no", _l("No contract in force"))], validators=[Optional()])
    sort = SelectField(_l("Order"), choices=lambda: [("name", _l("By name")), ("area", _l("By area")),
                                                     ("grade", _l("By grade"))], default="name",
                       validators=[Optional()])

    def filters(self) -> dict:
        return {**super().filters(), "grade": self.grade.data or None, "firm_id": self.firm_id.data,
                "served": SERVED_CHOICES.get(self.served.data), "sort": self.sort.data or "name"}


class CommunityForm(PortalForm):
    name = text_field(_l("Official name"), _l("Enter the community's name."), 120)
    address = text_field(_l("Address"), max_length=255)
    area_id = PickerField(_l("Street or community office"), source="areas", validators=[Optional()])
    service_grade = SelectField(_l("Contracted service grade"), choices=grade_choices, validate_choice=False,
                                validators=[Optional()])
    declared_units = BoundedIntegerField(_l("Declared number of units"), default=0, validators=[Optional()],
                                         minimum=0, maximum=1_000_000,
                                         message=_l("Enter a whole number of units from 0 to 1,000,000."))
    revenue_bank = text_field(_l("Public-revenue account: bank"), max_length=120)
    revenue_account_name = text_field(_l("Public-revenue account: account name"), max_length=120)
    revenue_account_number = text_field(_l("Public-revenue account: account number"), max_length=40)

    def values(self) -> dict:
        return {"name": self.name.data, "address": self.address.data, "area_id": self.area_id.data,
                "service_grade": self.service_grade.data or None, "declared_units": self.declared_units.data or 0,
                "revenue_bank": self.revenue_bank.data, "revenue_account_name": self.revenue_account_name.data,
                "revenue_account_number": self.revenue_account_number.data}


class BuildingForm(PortalForm):
    name = text_field(_l("Building name"), _l("Enter the building's name."), 20)


class CommitteeForm(PortalForm):
    term_start = DateField(_l("Term starts"), validators=[InputRequired(_l("Enter the date the committee's term started."))])
    term_end = DateField(_l("Term ends"), validators=[InputRequired(_l("Enter the date the committee's term ends."))])
    filing_date = DateField(_l("Filing date (备案)"), validators=[Optional()])
    filing_ref = text_field(_l("Filing reference"), max_length=80)


class CommitteeMemberForm(PortalForm):
    name = text_field(_l("Name"), _l("Enter the member's name."), 80)
    # No position is chosen in advance: a preselected 主任 was saved unnoticed for every new member.
    position = SelectField(_l("Position"), choices=lambda: [("", _l("— choose —"))] + [(p.value, p.label)
                                                                                        for p in CommitteePosition],
                           validators=[DataRequired(_l("Choose a position."))])
    phone = text_field(_l("Phone"), max_length=20)


class ReasonForm(PortalForm):
    reason = text_field(_l("Reason"), max_length=500)
