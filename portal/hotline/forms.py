"""Forms of the 12345 pages (upload, confirm, review) and of the hotline directory."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import SearchField, StringField
from wtforms.validators import DataRequired, Length, Optional

from portal.forms import BoundedIntegerField, PortalForm, UploadForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.pickers.forms import PickerField
from portal.roster.forms import RosterConfirmForm
from portal.validation import NoControlChars


class OrdersUploadForm(UploadForm):
    file_fields = ("file",)
    file = FileField(_l("12345 export (CSV or XLSX)"), validators=[FileRequired(_l("Choose the exported file to upload."))])


# The same hidden token as the roster's confirmation: the upload previewed just before, bound to this user.
OrdersConfirmForm = RosterConfirmForm


class ReviewFilterForm(ListFilterForm):
    q = SearchField(_l("Search"), description=_l("Work-order number, text or address"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])


class AssignForm(PortalForm):
    community_id = PickerField(_l("Community"), source="communities", check_choice=True,
                               validators=[DataRequired(_l("Choose the community."))])


class DismissForm(PortalForm):
    reason = StringField(_l("Why it is dismissed"), validators=[DataRequired(_l("Say why the work order is dismissed.")),
                                                                Length(max=200), NoControlChars()])


class HotlineForm(PortalForm):
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter the hotline's name.")), Length(max=80),
                                               NoControlChars()])
    number = StringField(_l("Phone number"), validators=[DataRequired(_l("Enter the phone number.")), Length(max=40),
                                                         NoControlChars()])
    hours = StringField(_l("Hours"), description=_l("For example 24 小时 or 工作日 8:30–17:30"),
                        validators=[Optional(), Length(max=80), NoControlChars()])
    area_id = PickerField(_l("Area it serves"), source="areas", check_choice=True, blank=_l("The whole city"),
                          validators=[Optional()])
    position = BoundedIntegerField(_l("Order in the list"), minimum=0, maximum=999, default=0,
                                   validators=[Optional()])
