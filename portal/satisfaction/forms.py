"""HTML forms of the monthly satisfaction list: a new draft, the cases' edits (read by the view), publication."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.forms import BoundedIntegerField, PortalForm
from portal.satisfaction.services import DEFAULT_MIN_CASES, DEFAULT_MIN_FIRM_CASES
from portal.validation import NoControlChars


class DraftForm(PortalForm):
    month = StringField(_l("Month (year-month)"), validators=[DataRequired(_l("Give the month, e.g. 2026-10.")),
                                                              Length(max=7), NoControlChars(multiline=False)])
    min_cases = BoundedIntegerField(_l("Cases on the list (at least)"), minimum=1, maximum=60,
                                    default=DEFAULT_MIN_CASES, validators=[InputRequired(_l("Give a number."))])
    min_firm_cases = BoundedIntegerField(_l("Rated cases a firm needs to be ranked"), minimum=1, maximum=100,
                                         default=DEFAULT_MIN_FIRM_CASES, validators=[InputRequired(_l("Give a number."))])


class EditForm(PortalForm):
    """The token only: each case's fields (include-<id>, problem-<id>, outcome-<id>) are read by the view."""


class PublishForm(PortalForm):
    reason = TextAreaField(_l("Reason for the correction"), validators=[Optional(), Length(max=500),
                                                                        NoControlChars(multiline=True)])
