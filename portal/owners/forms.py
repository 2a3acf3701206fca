"""Forms of the owners feature: registering with a claim code, adding a unit, issuing and revoking."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, SearchField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.auth.forms import one_time_code_field
from portal.auth.passwords import MAX_LENGTH
from portal.forms import PortalForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.owners.services import CodeFilter
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


def _state_choices():
    return [("", _l("Any unit"))] + [(f.value, f.label) for f in CodeFilter]


class BuildingUnitFilterForm(ListFilterForm):
    """A building's units on the claim-code page: by room or entrance, one entrance, and the code's state.
    The print sheet reads the same search and entrance (and prints the unused codes among them)."""

    q = SearchField(_l("Search units"), description=_l("Room or entrance"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    # Choices: the building's entrances (the view sets them); any other value is refused.
    entrance = SelectField(_l("Entrance"), validators=[Optional()])
    state = SelectField(_l("Claim code"), choices=_state_choices, validators=[Optional()])

    def set_entrances(self, entrances: list[str]) -> None:
        self.entrance.choices = [("", _l("All entrances"))] + [(e, e) for e in entrances if e]
        if len(self.entrance.choices) < 3:  # one entrance (or none named): nothing to choose
            del self.entrance

    def filters(self) -> dict:
        """The arguments of services.building_units these filters stand for."""
        state = self._value("state")
        return {"q": self.q.data, "entrance": self._value("entrance"),
                "status": CodeFilter(state) if state in {f.value for f in CodeFilter} else None}

    def _value(self, name: str):
        """A filter's value; None when it is blank or the form has no such filter (taken away above)."""
        return (self._fields[name].data or None) if name in self._fields else None

    def printing(self) -> dict:
        """The query arguments the print sheet takes over from this list (search and entrance), if valid."""
        if self.errors:
            return {}
        return {k: v for k, v in (("q", self.q.data), ("entrance", self._value("entrance"))) if v}


class PrintFilterForm(BuildingUnitFilterForm):
    """The print sheet's choice of slips: the list's search and entrance (its state is always unused)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.state
