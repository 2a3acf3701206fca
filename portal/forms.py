"""The base class of every HTML form: fields are read from the posted form fields only."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import IntegerField

from portal.validation import DB_INT_MAX, bounded_int

# The name of a picker's Find button (portal/pickers/forms.py); its value names the picker's field.
PICK_BUTTON = "pick"


class PortalForm(FlaskForm):
    """A FlaskForm that ignores file parts and JSON bodies.

    Flask-WTF would otherwise fill text fields from an uploaded file (a ``FileStorage``) or from a
    JSON body (numbers, lists, objects), and the string validators then crash with a 500. No HTML
    form of the portal takes uploads or JSON; a field sent that way simply counts as missing.
    """

    class Meta(FlaskForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                return request.form if _is_submitted() else None
            return formdata

    def searching(self) -> bool:
        """Sent with a picker's Find button: the form is shown again with the matches, nothing is saved."""
        return _is_submitted() and request.form.get(PICK_BUTTON) in {
            f.name for f in self if hasattr(f, "search_problem")}

    def validate_on_submit(self, extra_validators=None) -> bool:
        if self.searching():
            for f in self:
                problem = f.search_problem() if hasattr(f, "search_problem") else None
                if problem:
                    f.errors = [problem]
            return False
        return super().validate_on_submit(extra_validators)


class BoundedIntegerField(IntegerField):
    """A whole number typed into a form, read through ``bounded_int``: anything outside minimum..maximum
    (or not a number) is refused with ``message`` before it can reach the database. Full-width digits
    from a Chinese input method ("１２") count as the number they show."""

    def __init__(self, label=None, validators=None, *, minimum: int = 0, maximum: int = DB_INT_MAX, message=None,
                 **kwargs):
        super().__init__(label, validators, **kwargs)
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def process_formdata(self, valuelist):
        if not valuelist or not str(valuelist[0]).strip():
            return  # left blank: Optional/InputRequired decide
        self.data = bounded_int(valuelist[0], minimum=self.minimum, maximum=self.maximum, nfkc=True)
        if self.data is None:
            raise ValueError(self.message or _l("Enter a whole number from %(low)s to %(high)s.",
                                                    low=self.minimum, high=self.maximum))


class UploadForm(PortalForm):
    """A form with file fields: those named in ``file_fields`` come from the uploaded files, and only they;
    every other field from the form body (so a file never fills a text field)."""

    file_fields: tuple[str, ...] = ()

    class Meta(PortalForm.Meta):
        def wrap_formdata(self, form, formdata):
            if formdata is _Auto:
                if not _is_submitted():
                    return None
                files = MultiDict([(k, v) for k, v in request.files.items(multi=True) if k in form.file_fields])
                fields = MultiDict([(k, v) for k, v in request.form.items(multi=True) if k not in form.file_fields])
                return CombinedMultiDict([files, fields])
            return formdata
