"""Forms for adding and changing members."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import PortalForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.validation import MobileOrEmail, NoControlChars
from portal.vocabulary import vocabulary
from tenants import current_tenant
from tenants.roles import Role, roles_for


def _tenant_roles():
    """The roles the current tenant's kind offers, in its own words."""
    return [(r.value, r.label) for r in roles_for(current_tenant.kind)]


def _role_choices():
    # Nothing preselected: an administrator's role must never be given by not looking.
    return [("", _l("— choose —"))] + _tenant_roles()


class _BindingFields(PortalForm):
    role = SelectField(_l("Role"), choices=_role_choices, validators=[DataRequired(_l("Choose a role."))])
    area_id = PickerField(_l("Area (for officers)"), source="areas", blank=_l("— none —"), validators=[Optional()])
    firm_id = PickerField(_l("Firm (for firm staff)"), source="firms", blank=_l("— none —"), validators=[Optional()])
    community_id = PickerField(_l("Community (for committee members)"), source="communities", blank=_l("— none —"),
                               validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if vocabulary().is_firm:
            self.area_id.label.text = _l("Branch or region (for branch/region managers)")
            self.community_id.label.text = _l("Project (for project managers and project staff)")

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


class MemberFilterForm(ListFilterForm):
    q = SearchField(_l("Search members"), description=_l("Name, mobile number or e-mail"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    role = SelectField(_l("Role"), choices=lambda: [("", _l("Any role"))] + _tenant_roles(), validators=[Optional()])
    state = SelectField(_l("State"), choices=lambda: [("", _l("Active or not")), ("active", _l("Active")),
                                                      ("inactive", _l("Inactive"))], validators=[Optional()])

    def filters(self) -> dict:
        return {"q": self.q.data, "role": Role(self.role.data) if self.role.data else None,
                "state": self.state.data or None}
