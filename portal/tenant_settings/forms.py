"""The settings form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField

from portal.forms import PortalForm


class MobileVerificationForm(PortalForm):
    require_verified_mobile = BooleanField(_l("Members must verify their mobile number with a code"))
