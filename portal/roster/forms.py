"""Forms of the roster pages: the upload and the import confirmation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, SearchField, SelectField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from portal.forms import PortalForm, UploadForm
from portal.listing import SEARCH_MAX_LENGTH, ListFilterForm
from portal.validation import NoControlChars, optional_id


class RosterUploadForm(UploadForm):
    """Takes the ``file`` part from the uploaded files, and only it; every other field from the form body."""

    file_fields = ("file",)
    file = FileField(_l("Roster file (CSV or XLSX)"), validators=[FileRequired(_l("Choose the roster file to upload."))])


class RosterConfirmForm(PortalForm):
    """Import the upload previewed just before; the token names it (bound to this user and community)."""

    upload = HiddenField(validators=[DataRequired(_l("The upload is missing; upload the file again.")),
                                     Length(max=64), Regexp(r"^[0-9a-f]{32}$", message=_l("The upload is missing; upload the file again."))])


class UnitFilterForm(ListFilterForm):
    """A community's units: one building's, or those whose room or entrance has the words searched."""

    q = SearchField(_l("Search units"), description=_l("Room or entrance"),
                    validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])
    # The view lists the community's buildings (with their unit counts) and refuses any other id with a 404.
    building = SelectField(_l("Building"), coerce=optional_id, validate_choice=False, validators=[Optional()])
