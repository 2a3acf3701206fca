"""The base class of every HTML form: fields are read from the posted form fields only."""
from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto, _is_submitted


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
