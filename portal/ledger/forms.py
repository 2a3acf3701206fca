"""HTML forms of the ledger: an entry, a reversal, a sign-off, categories, the repair-fund rule, the overview's filters."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, SearchField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import BoundedIntegerField, PortalForm
from portal.ledger.models import AccountType, CategoryKind
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.validation import NoControlChars


class EntryForm(PortalForm):
    """A new entry; the voucher file is read from the request beside it (PortalForm ignores file parts)."""

    entry_date = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date as YYYY-MM-DD."))],
                           format="%Y-%m-%d")
    category = SelectField(_l("Category"), validators=[DataRequired(_l("Choose a category."))])
    amount = StringField(_l("Amount (yuan)"), validators=[DataRequired(_l("Enter the amount in yuan.")), Length(max=20),
                                                          NoControlChars()])
    counterparty = StringField(_l("Counterparty"), validators=[DataRequired(_l("Name who paid or was paid.")),
                                                               Length(max=120), NoControlChars()])
    counterparty_is_individual = BooleanField(_l("The counterparty is a private person (masked on public pages)"))
    account_type = SelectField(_l("Revenue account"), choices=lambda: [(a.value, a.label) for a in AccountType],
                               validators=[DataRequired(_l("Choose the account."))])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=500), NoControlChars(multiline=True)])

    def set_category_choices(self, categories) -> None:
        incomes = [(c.code, c.name) for c in categories if c.kind == CategoryKind.INCOME]
        expenses = [(c.code, c.name) for c in categories if c.kind != CategoryKind.INCOME]
        self.category.choices = {str(_l("Income")): incomes, str(_l("Expense")): expenses}

    def values(self) -> dict:
        return {"entry_date": self.entry_date.data, "category": self.category.data, "amount": self.amount.data,
                "counterparty": self.counterparty.data, "counterparty_is_individual": self.counterparty_is_individual.data,
                "account_type": self.account_type.data, "note": self.note.data}


class ReasonForm(PortalForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Say why the entry is reversed.")), Length(max=500),
                                                   NoControlChars()])


class ConfirmForm(PortalForm):
    """A button that only needs its CSRF token (signing off a statement, retiring a category)."""


class CategoryForm(PortalForm):
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Enter the category's Chinese name.")),
                                                            Length(max=80), NoControlChars()])
    name_en = StringField(_l("Name (English)"), validators=[Optional(), Length(max=120), NoControlChars()])


class NewCategoryForm(CategoryForm):
    kind = SelectField(_l("Counts as"), choices=lambda: [(k.value, k.label) for k in CategoryKind],
                       validators=[DataRequired(_l("Choose what the category counts as."))])


class RuleForm(PortalForm):
    repair_fund_low = BooleanField(_l("The repair fund is low (below three tenths of its initial amount)"))
    min_repair_percent = BoundedIntegerField(_l("Share of net income for the repair fund when it is low (%)"),
                                             validators=[InputRequired(_l("Enter a whole percentage from 0 to 100."))],
                                             minimum=0, maximum=100,
                                             message=_l("Enter a whole percentage from 0 to 100."))


RECORDED_CHOICES = {"yes": True, "no": False}


class OverviewFilterForm(ListFilterForm):
    """The overview: by name, area (a street with its offices), quarter, and whether revenue is recorded."""

    filters_open = True
    q = SearchField(_l("Search communities"), description=_l("Name or address"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    area_id = PickerField(_l("Area"), source="areas", blank=_l("All areas"), check_choice=True)
    quarter = SelectField(_l("Quarter"), validators=[Optional()])
    recorded = SelectField(_l("Revenue recorded"), validators=[Optional()],
                           choices=lambda: [("", _l("All")), ("yes", _l("With entries")), ("no", _l("Without entries"))])


class PublicSearchForm(ListFilterForm):
    q = SearchField(_l("Search communities"), description=_l("Name or address"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
