"""HTML forms of the inbox: the buttons (a CSRF token each) and the person's preferences."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice

from portal.forms import PortalForm


class ButtonForm(PortalForm):
    """Mark one read, or all: nothing but the CSRF token."""


class PreferencesForm(PortalForm):
    email = BooleanField(_l("Also send me notifications by e-mail"))
    locale = RadioField(_l("Language of e-mails and text messages"),
                        choices=[SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")], default="zh_CN",
                        validate_choice=False)  # the service names the rule
