"""HTML forms of firms, project managers and contracts."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, InputRequired, Optional

from portal.communities.forms import grade_choices, text_field
from portal.firms.models import FeeModel
from portal.forms import PortalForm
from portal.validation import optional_id


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
    manager_id = SelectField(_l("Project manager"), coerce=optional_id, validate_choice=False, validators=[Optional()])


class ContractForm(ContractEditForm):
    firm_id = SelectField(_l("Firm"), coerce=optional_id, validate_choice=False,
                          validators=[DataRequired(_l("Choose the firm."))])
    community_id = SelectField(_l("Community"), coerce=optional_id, validate_choice=False,
                               validators=[DataRequired(_l("Choose the community."))])
    start_date = DateField(_l("Starts on"), validators=[InputRequired(_l("Enter the date the contract starts."))])
    end_date = DateField(_l("Ends on (leave empty if open-ended)"), validators=[Optional()])


class ContractEndForm(PortalForm):
    end_date = DateField(_l("Last day of the contract"), validators=[InputRequired(_l("Enter the contract's last day."))])
    reason = text_field(_l("Reason"), _l("Give the reason the contract ends."), 500)
