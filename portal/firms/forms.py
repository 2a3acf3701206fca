"""HTML forms of firms, project managers and contracts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SearchField, SelectField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.communities.forms import grade_choices, text_field
from portal.firms.models import FeeModel
from portal.forms import PortalForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.validation import NoControlChars


class FirmForm(PortalForm):
    name = text_field(_l("Official name"), _l("Enter the firm's name."), 120)
    credit_code = text_field(_l("Unified social credit code"), _l("Enter the unified social credit code (18 characters)."), 40)
    licence_no = text_field(_l("Licence number"), max_length=60)
    contact_name = text_field(_l("Contact person"), max_length=80)
    contact_phone = text_field(_l("Contact phone"), max_length=32)
    address = text_field(_l("Address"), max_length=255)

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("name", "credit_code", "licence_no", "contact_name", "contact_phone", "address")}


class ManagerForm(PortalForm):
    name = text_field(_l("Name"), _l("Enter the project manager's name."), 80)
    phone = text_field(_l("Phone"), max_length=32)
    certificate_no = text_field(_l("Certificate number"), max_length=60)

    def values(self) -> dict:
        return {"name": self.name.data, "phone": self.phone.data, "certificate_no": self.certificate_no.data}


def fee_choices():
    return [("", _l("— choose —"))] + [(f.value, f.label) for f in FeeModel]


class ContractEditForm(PortalForm):
    fee_model = SelectField(_l("Fee model"), choices=fee_choices, validators=[DataRequired(_l("Choose the fee model."))])
    grade = SelectField(_l("Contracted service grade"), choices=grade_choices,
                        validators=[DataRequired(_l("Choose the contracted service grade."))])
    # The view narrows it to the contract's firm.
    manager_id = PickerField(_l("Project manager"), source="managers", blank=_l("— none —"), validators=[Optional()])


class ContractForm(ContractEditForm):
    firm_id = PickerField(_l("Firm"), source="firms", validators=[DataRequired(_l("Choose the firm."))])
    community_id = PickerField(_l("Community"), source="communities",
                               validators=[DataRequired(_l("Choose the community."))])
    # Once a firm is chosen, only its project managers are offered.
    manager_id = PickerField(_l("Project manager"), source="managers", blank=_l("— none —"), narrow_by="firm_id",
                             validators=[Optional()])
    start_date = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter the date the contract starts."))])
    end_date = DateField(_l("Ends on (leave empty if open-ended)"), validators=[Optional()])


class ContractEndForm(PortalForm):
    end_date = DateField(_l("Last day of the contract"), validators=[InputRequired(_l("Enter the contract's last day."))])
    reason = text_field(_l("Reason"), _l("Give the reason the contract ends."), 500)


def _search(label, description):
    return SearchField(label, description=description,
                       validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])


class FirmFilterForm(ListFilterForm):
    q = _search(_l("Search firms"), _l("Name or credit code"))
    sort = SelectField(_l("Order"), choices=lambda: [("name", _l("By name")),
                                                     ("served", _l("Most communities served now"))],
                       default="name", validators=[Optional()])


class ContractFilterForm(ListFilterForm):
    q = _search(_l("Search contracts"), _l("Name of the community or the firm"))
    firm_id = PickerField(_l("Firm"), source="firms", blank=_l("Any firm"), check_choice=True)
    state = SelectField(_l("State"), choices=lambda: [("", _l("Any")), ("in_force", _l("In force today")),
                                                      ("ended", _l("Ended")), ("upcoming", _l("Not started yet"))],
                        validators=[Optional()])
    sort = SelectField(_l("Order"), choices=lambda: [("newest", _l("Newest first")), ("community", _l("By community"))],
                       default="newest", validators=[Optional()])

    def filters(self) -> dict:
        return {"q": self.q.data, "firm_id": self.firm_id.data, "state": self.state.data or None,
                "sort": self.sort.data or "newest"}
