"""Login and password forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.auth.passwords import MAX_LENGTH, password_problem
from portal.forms import PortalForm
from portal.validation import MainlandMobile, MobileOrEmail, NoControlChars


class LoginForm(PortalForm):
    identifier = StringField(
        _l("Mobile number or e-mail"),
        validators=[DataRequired(_l("Enter your mobile number or e-mail address.")), Length(max=254), NoControlChars()],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(_l("Enter your password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


class NewPasswordForm(PortalForm):
    """A new password, twice, checked against the rules (and against the account's own logins)."""

    new_password = PasswordField(
        _l("New password"),
        validators=[DataRequired(_l("Enter a new password."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(_l("Repeat the new password."))],
        render_kw={"autocomplete": "new-password"},
    )

    def __init__(self, *args, login: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._identifiers = (login,) if login else ()

    def validate_new_password(self, field):
        problem = password_problem(field.data or "", identifiers=self._identifiers)
        if problem:
            raise ValidationError(problem)

    def validate_confirm_password(self, field):
        if field.data != self.new_password.data:
            raise ValidationError(_l("The two new passwords differ."))


class PasswordChangeForm(NewPasswordForm):
    current_password = PasswordField(
        _l("Current password"),
        validators=[DataRequired(_l("Enter your current password.")), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self._identifiers = (user.mobile or "", user.email or "") if user else ()


class ResetRequestForm(PortalForm):
    identifier = StringField(
        _l("Mobile number or e-mail"),
        validators=[DataRequired(_l("Enter your mobile number or e-mail address.")), Length(max=254), NoControlChars(),
                    MobileOrEmail()],
        render_kw={"autocomplete": "username", "autocapitalize": "none"},
    )


def one_time_code_field(label=None):
    """The field a code from a message is typed into (the phone offers to fill it in from the SMS)."""
    return StringField(
        label or _l("Verification code"),
        validators=[DataRequired(_l("Enter the code from the message.")), Length(max=12), NoControlChars()],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ResetCodeForm(NewPasswordForm):
    code = one_time_code_field()


class MobileCodeForm(PortalForm):
    code = one_time_code_field()


class MobileNumberForm(PortalForm):
    """Where a verification code goes: the account's own number, or a new one (then with the current password)."""

    mobile = StringField(
        _l("Mobile number"),
        validators=[DataRequired(_l("Enter your mobile number.")), Length(max=20), MainlandMobile()],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    current_password = PasswordField(
        _l("Current password"),
        validators=[Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )

