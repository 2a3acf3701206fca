"""The one function every feature calls to record a state change."""
from __future__ import annotations

import json
import logging
from typing import Any

from flask import has_request_context

from portal.audit.models import AuditEvent
from portal.extensions import db

logger = logging.getLogger(__name__)

MAX_SNAPSHOT = 4000


def _snapshot(value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text[:MAX_SNAPSHOT]


def record(
    *,
    tenant,
    actor,
    action: str,
    object_type: str = "",
    object_id: Any = "",
    summary: str = "",
    before: Any = None,
    after: Any = None,
    reason: str = "",
) -> AuditEvent:
    """Append an audit event for ``tenant``; flushed with the change it describes (one transaction)."""
    client = ""
    if has_request_context():
        from portal.net import client_address

        client = client_address()
    event = AuditEvent(
        tenant_id=tenant.id,
        actor_id=getattr(actor, "id", None),
        actor_label=(getattr(actor, "display_name", "") or "")[:120] if actor is not None else "system",
        action=action,
        object_type=object_type,
        object_id=str(object_id or "")[:64],
        summary=summary[:500],
        before=_snapshot(before),
        after=_snapshot(after),
        reason=(reason or "")[:500],
        client_address=client[:64],
    )
    db.session.add(event)
    logger.info("audit %s %s:%s by %s", action, object_type, object_id, getattr(actor, "id", "system"))
    return event
