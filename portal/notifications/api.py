"""JSON API of notifications: my notifications in this tenant, marking one or all read."""
from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.framework import ApiBlueprint, Pager, api_abort
from portal.notifications import services
from portal.notifications.schemas import (NotificationPatchSchema, NotificationQuerySchema, NotificationSchema,
                                          ReadAllResultSchema, ReadAllSchema)
from portal.permissions import Action

api_bp = ApiBlueprint("notifications_api", __name__, description="The caller's notifications.")


class _Described(Pager):
    """The page's notifications, each worded in the caller's language."""

    @property
    def items(self):
        return [services.describe(n) for n in super().items]


@api_bp.get("/notifications")
@api_bp.requires(Action.VIEW_NOTIFICATIONS)
@api_bp.arguments(NotificationQuerySchema, location="query")
@api_bp.response(200, NotificationSchema(many=True))
@api_bp.paginate(_Described)
def list_notifications(query):
    """The caller's notifications in this tenant, newest first (``unread=true``: only unread ones)."""
    return services.mine(current_user.id, unread_only=bool(query.get("unread")))


@api_bp.patch("/notifications/<id:notification_id>")
@api_bp.requires(Action.VIEW_NOTIFICATIONS)
@api_bp.arguments(NotificationPatchSchema)
@api_bp.response(200, NotificationSchema)
def mark_read(data, notification_id: int):
    """Mark one of the caller's notifications read; anyone else's is 404."""
    notification = services.own_or_none(current_user.id, notification_id)
    if notification is None:
        api_abort(404)
    services.mark_read(tenant=g.tenant, actor=current_user, notification=notification)
    return services.describe(notification)


@api_bp.post("/notifications/read-all")
@api_bp.requires(Action.VIEW_NOTIFICATIONS)
@api_bp.arguments(ReadAllSchema)
@api_bp.response(200, ReadAllResultSchema)
def mark_all_read(data):
    """Mark every unread notification of the caller in this tenant read."""
    return {"marked": services.mark_all_read(tenant=g.tenant, actor=current_user)}
