"""The one API layer every feature shares, on flask-smorest: errors, authorisation, paging, tenant
objects and the single commit live here, so a feature's ``api.py`` only declares its routes.

A route is declared once, and the OpenAPI document is generated from that declaration::

    @api_bp.patch("/areas/<id:area_id>")
    @api_bp.requires(Action.MANAGE_REGISTRY)   # 401 / 404 (outsider) / 403; one commit or a rollback
    @api_bp.loads(Area, "area_id")             # the tenant's Area or 404, before the body is read
    @api_bp.arguments(AreaUpdateSchema)        # 400 / 413 / 415 / 422 in the error envelope
    @api_bp.response(200, AreaSchema)          # the schema that dumps is the schema documented
    def update_area(data, area):
        services.rename_area(...)              # a DomainError becomes 422 (or 409), one handler
        return area

See docs/api.md.
"""
from __future__ import annotations

import http
import json
from copy import deepcopy
from functools import wraps

import sqlalchemy as sa
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Response, g, request
from flask import abort as flask_abort
from flask_babel import gettext as _
from flask_login import current_user
from flask_smorest import Api, Blueprint, Page
from flask_smorest.pagination import PaginationMetadataSchema
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from portal.api.errors import domain_error
from portal.api.schemas import ErrorSchema
from portal.auth.mobile import must_verify
from portal.domain import DomainError
from portal.extensions import db
from portal.guards import scoped_or_none
from portal.permissions import Action, can
from portal.security import SAFE_METHODS, DatabaseIntConverter, require_membership
from portal.validation import DB_INT_MAX

TENANT_PREFIX = "/api/v1/t/<tenant_slug>"
TENANT_PARAMETER = {"name": "tenant_slug", "in": "path", "required": True, "schema": {"type": "string"},
                    "description": "The tenant's short name, as in /t/<tenant_slug>/ on the web."}
MULTIPART = "multipart"
# Where a request body comes from; these locations can also answer 400 (bad JSON or CSRF), 413 and 415.
BODY_LOCATIONS = frozenset({"json", "form", "files", MULTIPART})


def digits_up_to(limit: int) -> str:
    """A regex matching exactly the decimal numbers 0..limit (leading zeros allowed up to limit's length)."""
    top = str(limit)
    # [0-9], not \d: \d also matches digits of other scripts ("１２"), which int() reads as 12.
    options = [rf"[0-9]{{1,{len(top) - 1}}}"] if len(top) > 1 else []
    for i, digit in enumerate(top):
        if digit != "0":
            rest = len(top) - i - 1
            options.append(top[:i] + (f"[0-{int(digit) - 1}]" if digit != "1" else "0") + (rf"[0-9]{{{rest}}}" if rest else ""))
    options.append(top)
    return "(?:" + "|".join(options) + ")"


class DatabaseIdConverter(DatabaseIntConverter):
    """``<id:...>`` in an API URL: an id the database's integer range can hold, decided by the pattern
    alone. A larger number then matches no route at all (404); a converter that refused it only after
    matching would make werkzeug answer 405 when a sibling rule serves another method on the same path."""

    def __init__(self, map, *args, **kwargs):
        super().__init__(map, *args, **kwargs)
        self.regex = digits_up_to(DB_INT_MAX)


def api_abort(status: int, message=None, *, fields: dict | None = None, code: str | None = None):
    """Stop the request with an error in the one envelope (``portal.api.errors.json_error`` renders it)."""
    abort(status, message=None if message is None else str(message), fields=fields, code=code)


class ApiParser(FlaskParser):
    """webargs parser of every API route: the schema's own ``unknown`` (RAISE) holds in every location;
    a non-JSON body is a 415, broken JSON a 400, invalid fields a 422, all in the error envelope."""

    DEFAULT_UNKNOWN_BY_LOCATION = {location: None for location in FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION}
    __location_map__ = {**FlaskParser.__location_map__, MULTIPART: "load_multipart"}

    def _raw_load_json(self, req):
        if not is_json_request(req):
            api_abort(415)
        try:
            return core.parse_json(req.get_data(cache=True))
        except json.JSONDecodeError:
            raise  # webargs answers through _handle_invalid_json_error
        except (RecursionError, ValueError):
            # "[[[[..." nested deeper than the parser's stack, or a 5,000-digit number Python refuses to
            # convert: not a JSON object this API could use anyway.
            api_abort(400, _("The body is not valid JSON."))

    def _handle_invalid_json_error(self, error, req, *args, **kwargs):
        api_abort(400, _("The body is not valid JSON."))

    def load_multipart(self, req, schema):
        """Form fields and files of a multipart/form-data body together (the browser's CSRF token aside)."""
        if req.mimetype != "multipart/form-data":
            api_abort(415, _("Send the request as multipart/form-data."))
        form = MultiDict((k, v) for k, v in req.form.items(multi=True) if k != "csrf_token")
        return self._makeproxy(CombinedMultiDict([form, req.files]), schema)

    def handle_error(self, error, req, schema, *, error_status_code, error_headers):
        messages = error.messages
        # webargs files messages under their location ({"json": {...}}); the client only needs the fields.
        if isinstance(messages, dict) and len(messages) == 1:
            (location, inner), = messages.items()
            if location in self.__location_map__ and isinstance(inner, (dict, list)):
                messages = inner
        api_abort(error_status_code or 422, fields=messages if isinstance(messages, dict) else {"_schema": messages})


class PaginationParser(ApiParser):
    """Parses ``page``/``page_size``; a page beyond any real list is refused (the database would otherwise
    be asked for an offset past its integer range)."""

    MAX_PAGE = 1_000_000

    def parse(self, *args, **kwargs):
        params = super().parse(*args, **kwargs)
        if params.page > self.MAX_PAGE:
            api_abort(422, fields={"page": [_("Value is outside the allowed range.")]})
        return params


class Pager(Page):
    """A page of a SELECT, sliced and counted by the database (``SELECT count(*)``); a plain list (an
    already-filtered small collection) is sliced in memory."""

    @property
    def items(self):
        if isinstance(self.collection, sa.Select):
            stmt = self.collection.limit(self.page_params.page_size).offset(self.page_params.first_item)
            return list(db.session.scalars(stmt))
        return super().items

    @property
    def item_count(self):
        if isinstance(self.collection, sa.Select):
            return db.session.scalar(sa.select(sa.func.count()).select_from(self.collection.order_by(None).subquery()))
        return super().item_count


def page_of(collection, pagination_parameters) -> list:
    """The requested page of ``collection`` (a SELECT or a list); sets the total for the pagination header."""
    return Pager(collection, pagination_parameters).items


class ApiBlueprint(Blueprint):
    """A flask-smorest Blueprint for one feature's routes under /api/v1/t/<tenant_slug>."""

    ARGUMENTS_PARSER = ApiParser()
    PAGINATION_ARGUMENTS_PARSER = PaginationParser()
    DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 100}
    DEFAULT_LOCATION_CONTENT_TYPE_MAPPING = {**Blueprint.DEFAULT_LOCATION_CONTENT_TYPE_MAPPING,
                                             MULTIPART: "multipart/form-data"}

    def __init__(self, name: str, import_name: str, url_prefix: str = TENANT_PREFIX, **kwargs):
        super().__init__(name, import_name, url_prefix=url_prefix, **kwargs)
        self.register_error_handler(DomainError, domain_error)
        # Schemas the document names by hand (e.g. in a oneOf) rather than through a decorator.
        self.components: dict[str, type] = {}

    def arguments(self, schema, *, location="json", **kwargs):
        decorator = super().arguments(schema, location=location, **kwargs)
        if location not in BODY_LOCATIONS:
            return decorator

        def with_body_errors(func):
            wrapper = decorator(func)
            return self._document(wrapper, 400, 413, 415)

        return with_body_errors

    def paginate(self, pager=None, **kwargs):
        """Paginated the smorest way: ``page``/``page_size`` arguments (page_size at most 100), the totals
        in the ``X-Pagination`` header, the body a plain JSON array."""
        return super().paginate(pager, **kwargs)

    def requires(self, action: Action | None, *, browser_only: bool = False):
        """Authorise, then run the handler in the request's one transaction.

        401 for anonymous callers, 404 for anyone outside the tenant (they learn nothing), 403 for a
        member whose roles do not allow ``action`` (``None``: any member), and 403 for a request carrying
        an API token when the route is ``browser_only`` (a signed-in session only). All before the body
        is read. Commits after a successful answer, rolls back on any error. Every one of these answers
        is documented for the route.
        """

        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                if not current_user.is_authenticated:
                    api_abort(401)
                memberships = require_membership()
                if action is not None and not can(memberships, action):
                    api_abort(403)
                if must_verify(g.tenant, current_user):
                    api_abort(403, _("This tenant requires a verified mobile number: verify yours on your account "
                                     "page first."), code="mobile_not_verified")
                if browser_only and is_token_request():
                    api_abort(403, _("Only a signed-in browser session may do this, not an API token."),
                              code="browser_session_required")
                try:
                    response = view(*args, **kwargs)
                except BaseException:
                    db.session.rollback()
                    raise
                if getattr(response, "status_code", 200) < 400:
                    db.session.commit()
                else:
                    db.session.rollback()
                return response

            self._document(wrapper, 401, 403, 404)
            return wrapper

        return decorator

    def public(self):
        """Open data: no sign-in, so the operation says it needs no bearer token; an unknown tenant or object
        is 404 like any missing one (there is no 401 or 403 to give)."""

        def decorator(view):
            wrapper = self._document(view, 404)
            wrapper._apidoc.setdefault("manual_doc", {})["security"] = []
            return wrapper

        return decorator

    def answers(self, *codes: int):
        """Document further error answers a route gives (e.g. 409 when a service refuses a conflict)."""

        def decorator(view):
            return self._document(view, *codes)

        return decorator

    def _check_not_modified(self, etag):
        """304 to a matching If-None-Match, carrying the ETag as RFC 9110 asks (smorest's bare 304 does not)."""
        if request.method in self.METHODS_CHECKING_NOT_MODIFIED and etag in request.if_none_match:
            response = Response(status=304)
            response.set_etag(etag)
            flask_abort(response)

    def route(self, rule, *, parameters=None, tags=None, **options):
        register = super().route(rule, parameters=parameters, tags=tags, **options)
        changes = set(options.get("methods", ("GET",))) - SAFE_METHODS

        def decorator(func):
            # A browser session's write without a valid CSRF token is refused with a 400.
            return register(self._document(func, 400) if changes else func)

        return decorator

    @staticmethod
    def _document(wrapper, *codes: int):
        wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        responses = wrapper._apidoc.setdefault("response", {}).setdefault("responses", {})
        for code in codes:
            responses.setdefault(code, [http.HTTPStatus(code).name])
        return wrapper

    def loads(self, model, url_arg: str, visible=None):
        """Put above ``arguments``: turn the URL's ``<int:url_arg>`` into the tenant-scoped object (the
        handler receives it as ``url_arg`` without ``_id``), or answer 404 before the body is even read,
        so another tenant's id is "not found" whatever the body. ``visible(obj)`` may hide it too."""
        name = url_arg.removesuffix("_id")

        def decorator(view):
            @wraps(view)
            def wrapper(*args, **kwargs):
                kwargs[name] = self.get_or_404(model, kwargs.pop(url_arg), visible)
                return view(*args, **kwargs)

            return wrapper

        return decorator

    @staticmethod
    def get_or_404(model, object_id: int, visible=None):
        """A tenant-scoped object by id, or a 404 in the error envelope; ``visible(obj)`` may hide it too."""
        obj = scoped_or_none(model, object_id)
        if obj is None or (visible is not None and not visible(obj)):
            api_abort(404)
        return obj


def schema_name(schema) -> str:
    """A component's name: the class without "Schema"; a partial (PATCH) variant gets "Patch" appended."""
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__.removesuffix("Schema")
    return name + "Patch" if not isinstance(schema, type) and schema.partial else name


class PortalApi(Api):
    """The API extension: the error envelope documented once, no catch-all ``default`` response."""

    ERROR_SCHEMA = ErrorSchema
    DEFAULT_ERROR_RESPONSE_NAME = None

    def init_app(self, app, *, spec_kwargs=None):
        app.url_map.converters["id"] = DatabaseIdConverter
        plugin = MarshmallowPlugin(schema_name_resolver=schema_name)
        super().init_app(app, spec_kwargs={"marshmallow_plugin": plugin, **(spec_kwargs or {})})

    def _register_error_handlers(self):
        # portal/errors.py answers every error of the app; under /api/ it renders this envelope.
        pass

    def _register_pagination_header(self):
        # The header carries a JSON object: described as such ("content"), not as an OpenAPI "simple"
        # style object (k,v,k,v), which is not what is sent.
        self.spec.components.schema("PaginationMetadata", schema=PaginationMetadataSchema)
        self.spec.components.header("PAGINATION", {
            "description": "Pagination metadata (JSON): total, total_pages, first_page, last_page, page, "
                           "previous_page, next_page.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/PaginationMetadata"}}}})

    def register_blueprint(self, blp, *, parameters=None, **options):
        if parameters is None and (blp.url_prefix or "").startswith(TENANT_PREFIX):
            parameters = [TENANT_PARAMETER]
        super().register_blueprint(blp, parameters=parameters, **options)
        for name, schema in getattr(blp, "components", {}).items():
            self.spec.components.schema(name, schema=schema)


def is_token_request() -> bool:
    """The caller sent an API token (not a browser session only)."""
    return request.headers.get("Authorization", "").startswith("Bearer ")
