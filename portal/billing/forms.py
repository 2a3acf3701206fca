"""Forms of billing: paying, changing plan, signing up, and the platform's price list."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, PasswordField, RadioField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.auth.passwords import MAX_LENGTH
from portal.forms import BoundedIntegerField, PortalForm
from portal.validation import MobileOrEmail, NoControlChars
from tenants.models import SLUG_PATTERN, TenantKind

# Stripe's documented test cards (PaymentMethod ids every test-mode account and the local test server
# accept). Offered only with a test key: a live key needs Stripe's own card form (README, Billing).
TEST_CARDS = (
    ("pm_card_visa", _l("Test card ending 4242: payments go through")),
    ("pm_card_visa_chargeDeclined", _l("Test card ending 0002: declined")),
    ("pm_card_chargeCustomerFail", _l("Test card ending 0341: accepted, but every charge fails")),
)


def card_field():
    return RadioField(_l("Card"), choices=lambda: list(TEST_CARDS), default=TEST_CARDS[0][0],
                      validators=[DataRequired(_l("Choose a card."))])


class PayForm(PortalForm):
    plan = RadioField(_l("Plan"), validators=[Optional()], validate_choice=False)
    payment_method = card_field()


class ChangePlanForm(PortalForm):
    plan = RadioField(_l("New plan"), validators=[DataRequired(_l("Choose a plan."))], validate_choice=False)


class ConfirmForm(PortalForm):
    """Cancel or resume: the button is the whole request (the CSRF token proves it came from the page)."""


class SignupForm(PortalForm):
    plan = RadioField(_l("Plan"), validators=[DataRequired(_l("Choose a plan."))], validate_choice=False)
    name_zh = StringField(_l("Name of the bureau or firm (Chinese)"), validators=[
        DataRequired(_l("Enter the Chinese name.")), Length(max=120), NoControlChars()])
    name_en = StringField(_l("Name (English, optional)"), validators=[Length(max=160), NoControlChars()])
    slug = StringField(_l("Short name in addresses"), validators=[
        DataRequired(_l("Enter a short name.")),
        Regexp(SLUG_PATTERN, message=_l("Use 1–40 lower-case letters, digits or hyphens, not starting or ending with a hyphen.")),
    ], render_kw={"autocapitalize": "off", "spellcheck": "false"})
    region = StringField(_l("Region (optional)"), validators=[Length(max=120), NoControlChars()])
    admin_login = StringField(_l("Your mobile number or e-mail"), validators=[
        DataRequired(_l("Enter a mobile number or e-mail.")), Length(max=254), MobileOrEmail()],
        render_kw={"autocomplete": "username"})
    admin_name = StringField(_l("Your name"), validators=[
        DataRequired(_l("Enter your name.")), Length(max=80), NoControlChars()], render_kw={"autocomplete": "name"})
    password = PasswordField(_l("Password"), validators=[DataRequired(_l("Enter a password.")), Length(max=MAX_LENGTH)],
                             render_kw={"autocomplete": "new-password"})
    confirm_password = PasswordField(_l("Repeat the password"), validators=[DataRequired(_l("Repeat the password."))],
                                     render_kw={"autocomplete": "new-password"})
    billing_email = StringField(_l("E-mail for invoices (optional)"), validators=[Length(max=254), NoControlChars()],
                                render_kw={"autocomplete": "email", "inputmode": "email"})
    payment_method = card_field()
    privacy_consent = BooleanField(
        _l("I have read the privacy notice and agree to it."),
        validators=[DataRequired(_l("Read the privacy notice and tick the box to agree to it; signing up needs it."))],
    )

    def validate_confirm_password(self, field):
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))

    def validate_billing_email(self, field):
        from portal.validation import is_email

        field.data = (field.data or "").strip()
        if field.data and not is_email(field.data):
            raise ValidationError(_l("Enter an e-mail address such as name@example.com, or leave it empty."))


def parse_yuan(text: str | None) -> int | None:
    """"1,500.5" yuan → 150050 fen, exactly (Decimal); None unless a non-negative amount with at most 2 decimals."""
    try:
        amount = Decimal((text or "").strip().replace(",", "").replace("，", ""))
    except InvalidOperation:
        return None
    if not amount.is_finite() or amount < 0 or amount > Decimal("10000000") or amount != amount.quantize(Decimal("0.01")):
        return None
    return int(amount * 100)


class PlanForm(PortalForm):
    code = StringField(_l("Code"), validators=[
        DataRequired(_l("Enter a code.")),
        Regexp(r"^[a-z][a-z0-9_]{0,39}$", message=_l("Use 1–40 lower-case letters, digits or underscores, starting with a letter.")),
    ])
    kind = SelectField(_l("For"), choices=lambda: [(k.value, k.label) for k in TenantKind])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Enter the Chinese name.")), Length(max=80),
                                                            NoControlChars()])
    name_en = StringField(_l("Name (English)"), validators=[Length(max=80), NoControlChars()])
    max_communities = BoundedIntegerField(_l("Up to this many communities (empty: no limit)"), validators=[Optional()],
                                          minimum=1, maximum=1_000_000)
    monthly_yuan = StringField(_l("Price per month (yuan)"), validators=[DataRequired(_l("Enter the price."))])
    is_active = BooleanField(_l("Offered to new subscriptions"))

    def validate_monthly_yuan(self, field):
        fen = parse_yuan(field.data)
        if fen is None or fen == 0:
            raise ValidationError(_l("Enter an amount in yuan greater than 0 with at most two decimals, such as 1500 or 99.50."))
        self.monthly_fen = fen
