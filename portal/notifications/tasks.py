"""Background delivery of notification e-mails and texts (RQ, when PORTAL_REDIS_URL is set)."""
from __future__ import annotations

QUEUE = "default"  # one of the queues the kit's worker listens on (deploy: high default low)


def deliver_job(messages: list[dict]) -> int:
    """Send already-worded messages; runs in the app's context when there is one, else builds the app."""
    from flask import has_app_context

    from portal.notifications.delivery import deliver

    if has_app_context():
        return deliver(messages)
    from portal import create_app

    with create_app().app_context():
        return deliver(messages)


def enqueue(redis_url: str, messages: list[dict]):
    from redis import Redis
    from rq import Queue

    return Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(deliver_job, messages)
