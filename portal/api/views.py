"""JSON API v1: the caller, API tokens, members and the audit log of a tenant."""
from __future__ import annotations

import sqlalchemy as sa
from flask import g
from flask_login import current_user

from portal.api import tokens as token_service
from portal.api.framework import ApiBlueprint, Pager
from portal.api.models import ApiToken
from portal.api.schemas import (
    AuditEventSchema,
    AuditQuerySchema,
    MemberQuerySchema,
    MemberSchema,
    MeSchema,
    TokenCreatedSchema,
    TokenSchema,
)
from portal.audit.models import AuditEvent
from portal.audit.services import record
from portal.members.services import filtered_members
from portal.permissions import Action, roles_of

bp = ApiBlueprint("api", __name__, description="The caller, API tokens, members and the audit log.")


def own_tokens() -> sa.Select:
    return (sa.select(ApiToken).where(ApiToken.user_id == current_user.id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc()))


@bp.get("/me")
@bp.requires(Action.VIEW_DASHBOARD)
@bp.response(200, MeSchema)
def me():
    """The caller and their roles in this tenant."""
    return {"id": current_user.id, "display_name": current_user.display_name, "tenant": g.tenant.slug,
            "roles": sorted(roles_of(g.memberships), key=lambda r: r.value),
            "mobile_verified": current_user.mobile_verified}


@bp.get("/tokens")
@bp.requires(Action.USE_API_TOKENS)
@bp.response(200, TokenSchema(many=True))
@bp.paginate(Pager)
def list_tokens():
    """The caller's own API tokens in this tenant (never the secrets), newest first."""
    return own_tokens()


@bp.post("/tokens")
@bp.requires(Action.USE_API_TOKENS, browser_only=True)
@bp.arguments(TokenSchema)
@bp.response(201, TokenCreatedSchema)
def create_token(data):
    """Create a token; the secret is in this response only.

    Only a signed-in browser session (with its X-CSRFToken) may create tokens: a request carrying a
    token is refused (403), so a leaked token cannot mint others.
    """
    token, raw = token_service.issue_token(tenant=g.tenant, user=current_user, name=data["name"].strip())
    record(tenant=g.tenant, actor=current_user, action="api_token.created", object_type="api_token",
           object_id=token.id, summary=token.name)
    token.token = raw  # dumped once by TokenCreatedSchema, never stored
    return token


@bp.delete("/tokens/<id:token_id>")
@bp.requires(Action.USE_API_TOKENS)
@bp.loads(ApiToken, "token_id", lambda t: t.user_id == current_user.id)
@bp.response(204)
def revoke_token(token: ApiToken):
    """Revoke one of the caller's tokens."""
    token_service.revoke_token(token)
    record(tenant=g.tenant, actor=current_user, action="api_token.revoked", object_type="api_token",
           object_id=token.id, summary=token.name)


@bp.get("/members")
@bp.requires(Action.VIEW_MEMBERS)
@bp.arguments(MemberQuerySchema, location="query")
@bp.etag
@bp.response(200, MemberSchema(many=True))
@bp.paginate(Pager)
def members(query):
    """The tenant's memberships (active first, by name); open invitations are not members yet. Filter by
    words of the name or login, by role, active or not."""
    state = None if "active" not in query else ("active" if query["active"] else "inactive")
    return filtered_members(q=query.get("q"), role=query.get("role"), state=state)


@bp.get("/audit-events")
@bp.requires(Action.VIEW_AUDIT_LOG)
@bp.arguments(AuditQuerySchema, location="query")
@bp.response(200, AuditEventSchema(many=True))
@bp.paginate(Pager)
def audit_events(query):
    """The audit log, newest first, filterable by action prefix and object type."""
    stmt = sa.select(AuditEvent).order_by(AuditEvent.occurred_at.desc(), AuditEvent.id.desc())
    if query.get("action"):
        stmt = stmt.where(AuditEvent.action.startswith(query["action"], autoescape=True))
    if query.get("object_type"):
        stmt = stmt.where(AuditEvent.object_type == query["object_type"])
    return stmt
