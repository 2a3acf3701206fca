"""Forms of the platform area."""
from __future__ import annotations

from zoneinfo import available_timezones

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Regexp, ValidationError

from portal.forms import PortalForm
from portal.validation import MobileOrEmail, NoControlChars
from tenants.models import SLUG_PATTERN, TenantKind, TenantStatus


class TenantCreateForm(PortalForm):
    slug = StringField(_l("Short name in URLs"), validators=[
        DataRequired(_l("Enter a short name.")),
        Regexp(SLUG_PATTERN, message=_l("Use 1–40 lower-case letters, digits or hyphens, not starting or ending with a hyphen.")),
    ])
    kind = SelectField(_l("Kind"), choices=lambda: [(k.value, k.label) for k in TenantKind])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Enter the Chinese name.")), Length(max=120), NoControlChars()])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=160), NoControlChars()])
    region = StringField(_l("Region"), validators=[Length(max=120), NoControlChars()])
    time_zone = StringField(_l("Time zone"), default="Asia/Shanghai", validators=[DataRequired(_l("Enter a time zone.")), Length(max=64)])
    admin_login = StringField(_l("First administrator: mobile number or e-mail"), validators=[
        DataRequired(_l("Enter a mobile number or e-mail.")), Length(max=254), MobileOrEmail()])
    admin_name = StringField(_l("First administrator: name"), validators=[DataRequired(_l("Enter the person's name.")), Length(max=80), NoControlChars()])
    admin_password = PasswordField(_l("First administrator: initial password (new accounts only)"), validators=[Length(max=128)],
                                   render_kw={"autocomplete": "new-password"})

    def validate_time_zone(self, field):
        if field.data not in available_timezones():
            raise ValidationError(_l("Unknown time zone; use a name such as Asia/Shanghai."))


class TenantStatusForm(PortalForm):
    status = SelectField(_l("Status"), choices=lambda: [(s.value, s.label) for s in TenantStatus])
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500), NoControlChars()])


class UserActiveForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500), NoControlChars()])


class TenantPublicUrlForm(PortalForm):
    public_url = StringField(_l("Public address"), validators=[Length(max=200)])

    def validate_public_url(self, field):
        from portal.public_url import PublicUrlError, normalise_public_url

        try:
            field.data = normalise_public_url(field.data)
        except PublicUrlError as error:
            raise ValidationError(error.message) from None
