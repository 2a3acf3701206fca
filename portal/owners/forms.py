"""Forms of the owners feature: registering with a claim code, adding a unit, issuing and revoking."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.auth.forms import one_time_code_field
from portal.auth.passwords import MAX_LENGTH
from portal.forms import PortalForm
from portal.validation import MainlandMobile, NoControlChars


def _code_field():
    return StringField(
        _l("Claim code"),
        validators=[DataRequired(_l("Enter the claim code from your slip.")), Length(max=40), NoControlChars()],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false",
                   "placeholder": "K7QRA-3MXTD-9FHWC", "class": "mono code-input"},
    )


def _mobile_field():
    return StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), Length(max=20), MainlandMobile()],
        render_kw={"autocomplete": "username", "inputmode": "tel"},
    )


class RegisterCodeForm(PortalForm):
    """First step where the tenant requires a verified number: the slip's code and the number to send a code to."""

    code = _code_field()
    mobile = _mobile_field()


class RegisterForm(PortalForm):
    code = _code_field()
    mobile = _mobile_field()
    display_name = StringField(
        _l("Your name"),
        validators=[DataRequired(_l("Enter your name.")), Length(max=80), NoControlChars()],
        render_kw={"autocomplete": "name"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter a password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(_l("Repeat the password."))],
        render_kw={"autocomplete": "new-password"},
    )

    # 个人信息保护法: collecting the number and name needs the person's informed consent, given here.
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to it."),
        validators=[DataRequired(_l("Read the privacy notice and tick the box to agree to it; registering needs it."))],
    )

    def validate_confirm_password(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class VerifiedRegisterForm(RegisterForm):
    """Registration where the tenant requires a verified number: the code sent to it comes back too."""

    verification_code = one_time_code_field(_l("Code from the SMS"))


class AddUnitForm(PortalForm):
    code = _code_field()


class IssueForm(PortalForm):
    include_bound = BooleanField(_l("Also units that already have a bound account (another household member)"))


class ReasonForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason.")), Length(max=500), NoControlChars()])
