"""Forms for adding and changing members."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm
from portal.validation import MobileOrEmail, NoControlChars, optional_id
from portal.vocabulary import vocabulary
from tenants import current_tenant
from tenants.roles import roles_for


def _role_choices():
    """The roles the current tenant's kind offers, in its own words."""
    # Nothing preselected: an administrator's role must never be given by not looking.
    return [("", _l("— choose —"))] + [(r.value, r.label) for r in roles_for(current_tenant.kind)]


class _BindingFields(PortalForm):
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired(_l("Choose a role."))])
    area_id = SelectField(_l("Area (for officers)"), coerce=optional_id, validate_choice=False, validators=[Optional()])
    firm_id = SelectField(_l("Firm (for firm staff)"), coerce=optional_id, validate_choice=False, validators=[Optional()])
    community_id = SelectField(_l("Community (for committee members)"), coerce=optional_id, validate_choice=False,
                               validators=[Optional()])

    def set_binding_choices(self, choices: dict) -> None:
        blank = [(None, _l("— none —"))]
        if vocabulary().is_firm:
            self.area_id.label.text = _l("Branch or region (for branch/region managers)")
            self.community_id.label.text = _l("Project (for project managers and project staff)")
        self.area_id.choices = blank + choices["area"]
        self.firm_id.choices = blank + choices["firm"]
        self.community_id.choices = blank + choices["community"]


class MemberAddForm(_BindingFields):
    login = StringField(_l("Mobile number or e-mail"), validators=[DataRequired(_l("Enter a mobile number or e-mail.")),
                                                                    Length(max=254), MobileOrEmail()])
    display_name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=80),
                                                         NoControlChars()])
    initial_password = PasswordField(_l("Initial password"),
                                     validators=[DataRequired(_l("Enter an initial password.")), Length(max=128)],
                                     render_kw={"autocomplete": "new-password"})


class MemberEditForm(_BindingFields):
    reason = StringField(_l("Reason"), validators=[Optional(), Length(max=500), NoControlChars()])


class MemberActiveForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500), NoControlChars()])
