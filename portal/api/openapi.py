"""The OpenAPI 3 document, built from the marshmallow schemas with apispec."""
from __future__ import annotations

import importlib

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from portal.api import schemas

# Feature modules that add API routes; each may define OPENAPI_OPERATIONS (tuples as in OPERATIONS
# below, optionally with a request-body schema name and a query schema class) and OPENAPI_SCHEMAS
# (name -> marshmallow schema class). A test fails for any /api/v1 route documented nowhere.
FEATURE_API_MODULES = (
    "portal.communities.api",
    "portal.firms.api",
    "portal.roster.api",
    "portal.owners.api",
    "portal.checklists.api",
)

TENANT = {"name": "tenant_slug", "in": "path", "required": True, "schema": {"type": "string"},
          "description": "The tenant's short name, as in /t/<tenant_slug>/ on the web."}


def _ok(schema: str, many: bool = False, status: str = "200", description: str = "OK") -> dict:
    ref = {"$ref": f"#/components/schemas/{schema}"}
    content = {"type": "array", "items": ref} if many else ref
    return {status: {"description": description, "content": {"application/json": {"schema": content}}}}


def _errors(*codes: int) -> dict:
    return {str(c): {"$ref": f"#/components/responses/Error{c}"} for c in codes}


OPERATIONS = [
    ("/api/v1/t/{tenant_slug}/me", "get", "The caller and their roles in this tenant.", _ok("Me"), (401, 404)),
    ("/api/v1/t/{tenant_slug}/tokens", "get", "The caller's API tokens (no secrets).", _ok("Token", many=True), (401, 403, 404)),
    ("/api/v1/t/{tenant_slug}/tokens", "post", "Create an API token; the secret is returned once.",
     _ok("TokenCreated", status="201", description="Created"), (401, 403, 404, 415, 422)),
    ("/api/v1/t/{tenant_slug}/tokens/{token_id}", "delete", "Revoke one of the caller's tokens.",
     {"204": {"description": "Revoked"}}, (401, 403, 404)),
    ("/api/v1/t/{tenant_slug}/members", "get", "The tenant's memberships.", _ok("Member", many=True), (401, 403, 404)),
    ("/api/v1/t/{tenant_slug}/audit-events", "get", "The audit log, newest first.", _ok("AuditEvent", many=True),
     (401, 403, 404, 422)),
]

REQUEST_BODIES = {("/api/v1/t/{tenant_slug}/tokens", "post"): "Token"}
QUERY_SCHEMAS = {("/api/v1/t/{tenant_slug}/audit-events", "get"): schemas.AuditQuerySchema}


def build_spec() -> dict:
    spec = APISpec(
        title="Sunshine Property Portal API",
        version="1.0.0",
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Tenant-scoped JSON API. Authenticate with `Authorization: Bearer <token>` "
                             "(create tokens under Account → API tokens) or a browser session plus X-CSRFToken."},
    )
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    operations = list(OPERATIONS)
    request_bodies = dict(REQUEST_BODIES)
    query_schemas = dict(QUERY_SCHEMAS)
    feature_schemas = {}
    for module_name in FEATURE_API_MODULES:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        for entry in getattr(module, "OPENAPI_OPERATIONS", ()):
            path, method, summary, responses, error_codes = entry[:5]
            operations.append((path, method, summary, responses, error_codes))
            if len(entry) > 5 and entry[5]:
                request_bodies[(path, method)] = entry[5]
            if len(entry) > 6 and entry[6]:
                query_schemas[(path, method)] = entry[6]
        feature_schemas.update(getattr(module, "OPENAPI_SCHEMAS", {}))
    for name, schema in feature_schemas.items():
        spec.components.schema(name, schema=schema)
    for name, schema in (("Me", schemas.MeSchema), ("Token", schemas.TokenSchema),
                         ("TokenCreated", schemas.TokenCreatedSchema), ("Member", schemas.MemberSchema),
                         ("AuditEvent", schemas.AuditEventSchema), ("Error", schemas.ErrorEnvelopeSchema)):
        spec.components.schema(name, schema=schema)
    for code in (400, 401, 403, 404, 409, 415, 422):
        spec.components.response(f"Error{code}", {"description": "Error", "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
    paths: dict[str, dict] = {}
    for path, method, summary, responses, error_codes in operations:
        parameters = [TENANT]
        if "{token_id}" in path:
            parameters.append({"name": "token_id", "in": "path", "required": True, "schema": {"type": "integer"}})
        operation = {"summary": summary, "parameters": parameters, "responses": {**responses, **_errors(*error_codes)},
                     "security": [{"bearer": []}]}
        for name in ("community_id", "firm_id", "unit_id", "building_id", "contract_id", "version_id", "area_id",
                     "code_id", "section_id", "item_id", "manager_id", "draft_id"):
            if "{" + name + "}" in path:
                parameters.append({"name": name, "in": "path", "required": True, "schema": {"type": "integer"}})
        if (path, method) in query_schemas:
            operation["parameters"] = parameters + [{"in": "query", "schema": query_schemas[(path, method)]}]
        if (path, method) in request_bodies:
            body = request_bodies[(path, method)]
            # A body is a schema name (JSON) or (schema name, media type), e.g. a multipart upload.
            body, media = body if isinstance(body, tuple) else (body, "application/json")
            operation["requestBody"] = {"required": True, "content": {media: {
                "schema": {"$ref": f"#/components/schemas/{body}"}}}}
        paths.setdefault(path, {})[method] = operation
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
