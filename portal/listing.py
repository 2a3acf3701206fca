"""Lists of any length, one page at a time: the page is cut and counted by the database, the page number
and size come from the query string through the one bounded reader, and every list page shows the same
filter bar, count and pager (``templates/_macros/lists.html``)."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import abort, request, url_for
from flask_babel import lazy_gettext as _l
from wtforms import SearchField
from wtforms.validators import Length, Optional

from portal.extensions import db
from portal.forms import PortalForm
from portal.validation import NoControlChars, control_char_message, forbidden_char, query_int

# A phone shows about this many cards before the reader scrolls far; larger pages are a choice.
DEFAULT_PER_PAGE = 20
PAGE_SIZES = (10, 20, 50, 100)
PAGE_PARAM = "page"
SIZE_PARAM = "page_size"  # the same name as the API's
SEARCH_MAX_LENGTH = 100
# More words than this add nothing a person types; each one is another LIKE per column.
SEARCH_MAX_WORDS = 5


@dataclass
class ListPage:
    """One page of a list: its items, the total the database counted, and the links to other pages.

    The attribute names are flask-sqlalchemy's ``Pagination`` ones (page, per_page, total, pages,
    has_prev, prev_num...), so the templates read the same either way."""

    items: list
    total: int
    page: int
    per_page: int
    param: str = PAGE_PARAM
    sizes: tuple[int, ...] = ()  # offered in the filter bar; empty: the size is fixed
    endpoint: str | None = None
    url_values: dict = field(default_factory=dict)

    @classmethod
    def empty(cls) -> "ListPage":
        """No page at all: what a list shows while its filters are refused."""
        return cls(items=[], total=0, page=1, per_page=DEFAULT_PER_PAGE)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return self.first_index + len(self.items) - 1 if self.items else 0

    def url(self, page: int) -> str:
        """This list at ``page``, with every other query argument (the filters, the size) kept."""
        args = request.args.to_dict(flat=False)
        args[self.param] = [str(page)]
        values = {**(request.view_args or {}), **self.url_values} if self.endpoint is None else dict(self.url_values)
        return url_for(self.endpoint or request.endpoint, **values, **args)


def page_size(default: int = DEFAULT_PER_PAGE) -> int:
    """The page size asked for in the query string if it is one of PAGE_SIZES, else ``default``."""
    size = query_int(SIZE_PARAM, default)
    return size if size in PAGE_SIZES else default


def count_of(stmt: sa.Select) -> int:
    """How many rows ``stmt`` gives, counted by the database (its ORDER BY dropped)."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def paginate(stmt: sa.Select, *, per_page: int = DEFAULT_PER_PAGE, param: str = PAGE_PARAM, sizes: bool = True,
             endpoint: str | None = None, **url_values) -> ListPage:
    """The page of ``stmt`` the query string asks for (``page``, and ``page_size`` when ``sizes``).

    A page number that is no number, or out of the database's range, reads as the first page; a page
    after the last one is a 404 (there is no such page), never a query for an absurd offset.
    ``param``: another name for the page number, for a second list on the same page. ``endpoint`` and
    ``url_values``: where the pager links go when the page is shown by another route (a refused form).
    """
    if sizes:
        per_page = page_size(per_page)
    page = query_int(param, 1)
    total = count_of(stmt)
    listed = ListPage(items=[], total=total, page=page, per_page=per_page, param=param,
                      sizes=PAGE_SIZES if sizes else (), endpoint=endpoint, url_values=url_values)
    if page > listed.pages:
        abort(404)
    listed.items = list(db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)))
    return listed


def search_problem(text: str | None):
    """Why a search text cannot be used (too long, invisible characters), or None."""
    text = text or ""
    if len(text) > SEARCH_MAX_LENGTH:
        return _l("Search for at most %(n)s characters.", n=SEARCH_MAX_LENGTH)
    char = forbidden_char(text)
    return control_char_message(char) if char else None


def search_words(text: str | None) -> list[str]:
    """The words of a search box, at most SEARCH_MAX_WORDS of them."""
    return (text or "").split()[:SEARCH_MAX_WORDS]


def matching(text: str | None, *columns) -> sa.ColumnElement[bool] | None:
    """Every word of ``text`` in at least one of ``columns`` (case-insensitive, taken literally: % and _
    are no wildcards); None when there is nothing to search for."""
    words = search_words(text)
    if not words:
        return None
    return sa.and_(*(sa.or_(*(column.icontains(word, autoescape=True) for column in columns)) for word in words))


def searched(stmt: sa.Select, text: str | None, *columns) -> sa.Select:
    """``stmt`` narrowed to the rows matching the search ``text`` (see ``matching``)."""
    condition = matching(text, *columns)
    return stmt if condition is None else stmt.where(condition)


class ListFilterForm(PortalForm):
    """The filter bar of a list: a search box, and what a list adds (choices, pickers, an order).

    Read from the query string; a GET filter changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    # Whether the bar shows its filters open even when none is set (where they are how the list is read).
    filters_open = False
    # NoControlChars: PostgreSQL refuses a NUL inside a query parameter (that would be a 500).
    q = SearchField(_l("Search"), validators=[Optional(), Length(max=SEARCH_MAX_LENGTH), NoControlChars()])

    def __init__(self, formdata=None, **kwargs):
        super().__init__(request.args if formdata is None else formdata, **kwargs)

    def checked(self) -> bool:
        """Valid filters; invalid ones show their message and the list shows nothing."""
        return self.validate()

    @property
    def status(self) -> int:
        return 400 if self.errors else 200

    def extra_fields(self):
        """The fields after the search box (choices, pickers, the order), in the bar's second row."""
        return [f for f in self if f.name != "q"]

    def narrowed(self) -> bool:
        """Whether a filter besides the search box is set (the bar then shows them open)."""
        return self.filters_open or bool(request.args.get(SIZE_PARAM)) or any(
            f.data not in (None, "", f.default) for f in self.extra_fields())
