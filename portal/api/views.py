"""JSON API v1: the caller, API tokens, members and the audit log of a tenant; OpenAPI document."""
from __future__ import annotations

from functools import wraps

import sqlalchemy as sa
from flask import Blueprint, abort, g, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from marshmallow import Schema, ValidationError

from portal.api import tokens as token_service
from portal.api.errors import json_error
from portal.api.models import ApiToken
from portal.api.schemas import AuditEventSchema, AuditQuerySchema, MemberSchema, MeSchema, TokenCreatedSchema, TokenSchema
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.extensions import db
from portal.members.services import list_members
from portal.permissions import Action, can, roles_of
from portal.security import require_membership

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def api_permission(action: Action):
    """Like ``tenant_permission`` but answering in JSON: 401 anonymous, 404 outsider, 403 not allowed."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return json_error(401)
            memberships = require_membership()
            if not can(memberships, action):
                return json_error(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def load_json(schema: Schema) -> dict:
    """Parse and validate the JSON body; any problem becomes a 400/415/422 with field messages."""
    if not request.is_json:
        abort(json_error(415))
    try:
        payload = request.get_json(silent=True)
    except RecursionError:  # "[[[[..." nested deeper than the parser's stack: not a JSON object anyway
        payload = None
    if payload is None:
        abort(json_error(400, _("The body is not valid JSON.")))
    if not isinstance(payload, dict):
        abort(json_error(422, fields={"_schema": [_("Send a JSON object.")]}))
    try:
        return schema.load(payload)
    except ValidationError as err:
        abort(json_error(422, fields=err.messages))


def load_query(schema: Schema) -> dict:
    try:
        return schema.load(request.args.to_dict())
    except ValidationError as err:
        abort(json_error(422, fields=err.messages))


@bp.get("/t/<tenant_slug>/me")
@api_permission(Action.VIEW_DASHBOARD)
def me():
    """The caller and their roles in this tenant."""
    data = {"id": current_user.id, "display_name": current_user.display_name, "tenant": g.tenant.slug,
            "roles": sorted(r.value for r in roles_of(g.memberships))}
    return jsonify(MeSchema().dump(data))


@bp.get("/t/<tenant_slug>/tokens")
@api_permission(Action.USE_API_TOKENS)
def list_tokens():
    """The caller's own API tokens in this tenant (never the secrets)."""
    rows = db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()
    return jsonify(TokenSchema(many=True).dump(rows))


@bp.post("/t/<tenant_slug>/tokens")
@api_permission(Action.USE_API_TOKENS)
def create_token():
    """Create a token; the secret is in this response only."""
    data = load_json(TokenSchema())
    token, raw = token_service.issue_token(tenant=g.tenant, user=current_user, name=data["name"].strip())
    record(tenant=g.tenant, actor=current_user, action="api_token.created", object_type="api_token",
           object_id=token.id, summary=token.name)
    db.session.commit()
    body = TokenCreatedSchema().dump(token)
    body["token"] = raw
    return jsonify(body), 201


@bp.delete("/t/<tenant_slug>/tokens/<int:token_id>")
@api_permission(Action.USE_API_TOKENS)
def revoke_token(token_id: int):
    """Revoke one of the caller's tokens."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id))
    if token is None:
        return json_error(404)
    token_service.revoke_token(token)
    record(tenant=g.tenant, actor=current_user, action="api_token.revoked", object_type="api_token",
           object_id=token.id, summary=token.name)
    db.session.commit()
    return "", 204


@bp.get("/t/<tenant_slug>/members")
@api_permission(Action.VIEW_MEMBERS)
def members():
    """The tenant's memberships."""
    return jsonify(MemberSchema(many=True).dump(list_members()))


@bp.get("/t/<tenant_slug>/audit-events")
@api_permission(Action.VIEW_AUDIT_LOG)
def audit_events():
    """The audit log, newest first, filterable by action prefix and object type."""
    query = load_query(AuditQuerySchema())
    stmt = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if query.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(query["action"], autoescape=True))
    if query.get("object_type"):
        stmt = stmt.where(AuditEvent.object_type == query["object_type"])
    rows = db.session.scalars(stmt.limit(query["limit"]).offset(query["offset"])).all()
    return jsonify(AuditEventSchema(many=True).dump(rows))


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3 description of this API."""
    from portal.api.openapi import build_spec

    return jsonify(build_spec())
