"""Forms of the export page (the tenant administrator's) and of deleting a tenant (the platform's)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm
from portal.validation import NoControlChars


class ExportForm(PortalForm):
    """Nothing to fill in: the button (and its CSRF token) asks for a new export."""


class TenantDeleteForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500), NoControlChars()])
    confirm_slug = StringField(_l("Type the tenant's short name to confirm"),
                               validators=[DataRequired(_l("Type the tenant's short name.")), Length(max=40)])
