"""The picker field: a select that never holds more than a search's worth of options.

Without JavaScript the search box and its Find button submit the form (the form is shown again with
everything typed kept, nothing saved) and the select then lists the matches; ``portal/static/js/picker.js``
fills the select while one types instead. Whatever is chosen is checked again by the service that saves it.
"""
from __future__ import annotations

from flask import g, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.fields.choices import Choice
from wtforms.utils import unset_value
from wtforms.validators import ValidationError

from portal.forms import PICK_BUTTON
from portal.listing import search_problem
from portal.validation import bounded_int, optional_id

SEARCH_SUFFIX = "_q"


class PickerField(SelectField):
    """An id chosen from ``source`` (a name in portal.pickers.services.SOURCES), found by a search.

    The select lists the blank choice, ``fixed`` choices, the current choice, and at most PICKER_LIMIT
    matches of the search typed into ``<name>_q``. ``narrow_by``: the name of another field whose value
    narrows the candidates (a firm's project managers); ``narrowing``: fixed narrowing (streets only).
    ``check_choice``: refuse a value the member could not have picked (for list filters; forms leave
    that check to the service that saves, which names the rule).
    """

    pick_button = PICK_BUTTON  # the Find button's name in a form that saves

    def __init__(self, label=None, validators=None, *, source: str, blank=_l("— choose —"), fixed=None,
                 narrow_by: str | None = None, narrowing: dict | None = None, check_choice: bool = False,
                 coerce=optional_id, **kwargs):
        super().__init__(label, validators, coerce=coerce, validate_choice=False, **kwargs)
        self.source_name = source
        self.blank = blank
        self.fixed = fixed or (lambda: [])
        self.narrow_by = narrow_by
        self.narrowing = dict(narrowing or {})
        self.check_choice = check_choice
        self.search = ""
        self._found = None

    # --- reading ---------------------------------------------------------------------------------

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        # A link may carry the search too (``contracts/new?community_id_q=金城``), before anything is posted.
        source = formdata if formdata is not None else (request.args if has_request_context() else None)
        raw = source.get(self.search_name, "") if source is not None else ""
        self.search = raw.strip() if isinstance(raw, str) else ""

    @property
    def search_name(self) -> str:
        return self.name + SEARCH_SUFFIX

    @property
    def search_id(self) -> str:
        return self.id + SEARCH_SUFFIX

    def search_problem(self):
        """Why the search text cannot be used (too long, invisible characters), or None."""
        return search_problem(self.search)

    def pre_validate(self, form):
        problem = self.search_problem()
        if problem:
            raise ValidationError(problem)
        if self.check_choice and self.data not in (None, "") and not self._fixed_value(self.data) \
                and self.chosen_option() is None:
            raise ValidationError(_l("Choose one from the list."))

    # --- what the select lists -------------------------------------------------------------------

    @property
    def source(self):
        from portal.pickers.services import SOURCES

        return SOURCES[self.source_name]

    def current_narrowing(self) -> dict:
        narrowing = dict(self.narrowing)
        if self.narrow_by and self._form is not None and self.narrow_by in self._form:
            value = self._form[self.narrow_by].data
            if bounded_int(value) is not None:
                narrowing[self.narrow_by] = bounded_int(value)
        return narrowing

    def found(self):
        """The matches of the search (at most PICKER_LIMIT), looked up once per request."""
        if self._found is None:
            from portal.pickers.services import Found, find

            search = "" if self.search_problem() else self.search
            self._found = find(self.source, g.get("memberships", []), search, self.current_narrowing()) \
                if g.get("tenant") is not None else Found(options=[], total=0)
        return self._found

    def _fixed_value(self, value) -> bool:
        return any(str(v) == str(value) for v, _label in self.fixed())

    def chosen_option(self):
        """The current value's (value, label) when the member may pick it."""
        from portal.pickers.services import chosen

        number = bounded_int(self.data)
        if number is None or g.get("tenant") is None:
            return None
        return chosen(self.source, g.get("memberships", []), number, self.current_narrowing())

    def iter_choices(self):
        kept = [("", self.blank)] + [(str(v), label) for v, label in self.fixed()]
        options = []
        found = self.found().options
        listed = {str(v) for v, _label in found}
        current = "" if self.data is None else str(self.data)
        if current and current not in listed and not self._fixed_value(current):
            mine = self.chosen_option()
            if mine is not None:
                options.append((str(mine[0]), mine[1]))
            elif not isinstance(self.data, int) and self.data not in ("",):
                # A text value from an older link (the audit log's part of a name) stays as it was typed.
                options.append((current, current))
        options += [(str(v), label) for v, label in found]
        # data-keep: the page's script keeps these when it refills the list with other matches.
        return [Choice(value=value, label=label, selected=value == current, render_kw={"data-keep": True})
                for value, label in kept] + [Choice(value=value, label=label, selected=value == current, render_kw={})
                                             for value, label in options]

    # --- for the template ------------------------------------------------------------------------

    def __call__(self, **kwargs):
        g.pickers_on_page = True  # base.html then loads the pickers' script
        return super().__call__(**kwargs)

    @property
    def searchable(self) -> bool:
        from portal.pickers.services import SEARCH_FROM

        return bool(self.search) or self.found().total > SEARCH_FROM

    def summary(self) -> str:
        from portal.pickers.services import describe

        return describe(self.found(), "" if self.search_problem() else self.search, self.source.noun)

    def search_url(self) -> str:
        return url_for(f"pickers.{self.source_name}")

    @property
    def in_get_form(self) -> bool:
        """In a GET filter (no CSRF token): Find is just another way to apply the filters."""
        return self._form is not None and getattr(self._form.meta, "csrf", True) is False

