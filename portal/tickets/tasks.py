"""Background jobs of the tickets feature (RQ, when PORTAL_REDIS_URL is set): the same escalation as the CLI."""
from __future__ import annotations

import datetime as dt
import logging

logger = logging.getLogger(__name__)
QUEUE = "default"  # one of the queues the kit's worker listens on (deploy: high default low)


def escalate_job(now_iso: str | None = None, slug: str | None = None) -> dict:
    """Escalate overdue tickets and auto-confirm old resolutions in every tenant; returns the counts.

    Runs inside the app's context when there is one (a test, the CLI), else builds the app (an RQ worker).
    ``now_iso``: the moment to judge by (an aware ISO time); the job's own clock otherwise.
    """
    from flask import has_app_context

    if has_app_context():
        return _run(now_iso, slug)
    from portal import create_app

    with create_app().app_context():
        return _run(now_iso, slug)


def _run(now_iso: str | None, slug: str | None) -> dict:
    from portal.db import utcnow
    from portal.tickets.escalation import run_all

    now = dt.datetime.fromisoformat(now_iso) if now_iso else utcnow()
    results = run_all(now, slug)
    return {name: {"to_office": o.to_office, "to_bureau": o.to_bureau, "auto_confirmed": o.auto_confirmed}
            for name, o in results.items()}


def enqueue(redis_url: str, now_iso: str | None = None):
    """Put one escalation run on the tickets queue (a cron line or rq-scheduler calls this)."""
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(escalate_job, now_iso)
