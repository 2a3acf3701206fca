"""E-mails and short texts for new notifications, sent only after the transaction that made them commits.

``queue`` words each message in its recipient's language while the transaction is open (it reads the
people and the tenant) and keeps it in the session; the session's ``after_commit`` hands the messages to
the RQ queue when PORTAL_REDIS_URL is set, else sends them at once; a rollback drops them, so no one is
told of a change that did not happen. A failing mail server is logged, never shown to the person whose
action caused the notice.
"""
from __future__ import annotations

import logging
import smtplib
from contextlib import contextmanager
import ssl
from email.message import EmailMessage
from email.utils import formataddr, make_msgid

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, gettext as _
from sqlalchemy.orm import Session

from portal import messaging
from portal.extensions import db
from portal.notifications import catalogue

logger = logging.getLogger(__name__)
OUTBOX = "notification_outbox"
QUIET = "notifications_quiet"
SUBJECT_MAX = 120
DEFAULT_LOCALE = "zh_CN"


def queue(tenant, rows) -> None:
    """Word the e-mails and texts for ``rows`` (new notifications) and keep them until the commit."""
    if not rows or db.session.info.get(QUIET):
        return
    from portal.auth.models import User

    config = current_app.config
    email_on = bool(config.get("SMTP_HOST"))
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_({r.recipient_id for r in rows})))}
    outbox = db.session.info.setdefault(OUTBOX, [])
    for row in rows:
        user = users.get(row.recipient_id)
        if user is None or not user.is_active:
            continue
        kind = catalogue.KINDS[row.kind]
        wants_email = email_on and user.email and getattr(user, "notify_by_email", True)
        wants_text = kind.urgent and user.mobile_verified
        if not (wants_email or wants_text):
            continue
        locale = getattr(user, "locale", None) or config.get("BABEL_DEFAULT_LOCALE") or DEFAULT_LOCALE
        with force_locale(locale):
            sentence = catalogue.sentence(row.kind, row.parameters)
            tenant_name = tenant.display_name(locale)
            if wants_email:
                link = absolute_link(tenant, row)
                outbox.append({"channel": "email", "to": user.email, "subject": _subject(tenant_name, sentence),
                               "body": _body(user, tenant_name, sentence, link, tenant)})
            if wants_text:
                outbox.append({"channel": "text", "to": user.mobile,
                               "text": _("[%(tenant)s] notice: %(text)s", tenant=tenant_name, text=sentence)})


def absolute_link(tenant, row) -> str | None:
    """The page of the notification's object on the tenant's public address (None without one)."""
    from portal.public_url import public_base

    target = catalogue.LINKS.get(row.object_type)
    if target is None or row.object_id is None:
        return None
    try:
        base = public_base(tenant).url
    except RuntimeError:  # no public address set and no request to take the host from
        return None
    endpoint, argument = target
    path = current_app.url_map.bind("localhost", script_name="/").build(
        endpoint, {argument: row.object_id, "tenant_slug": tenant.slug})
    return base + path


def _subject(tenant_name: str, sentence: str) -> str:
    subject = f"{tenant_name}: {sentence}" if not current_locale_is_zh() else f"{tenant_name}：{sentence}"
    return subject if len(subject) <= SUBJECT_MAX else subject[: SUBJECT_MAX - 1] + "…"


def current_locale_is_zh() -> bool:
    from portal.i18n import current_locale_code

    return current_locale_code().startswith("zh")


def _body(user, tenant_name: str, sentence: str, link: str | None, tenant) -> str:
    lines = [_("Hello %(name)s,", name=user.display_name), "", sentence, ""]
    if link:
        lines += [_("Open it here: %(link)s", link=link), ""]
    lines += [_("You receive this e-mail as a member of %(tenant)s on the Sunshine Property Portal. To stop these "
                "e-mails, turn them off on your notifications page.", tenant=tenant_name)]
    return "\n".join(lines) + "\n"


@contextmanager
def quiet():
    """Inside the block notifications are only stored, never sent (the demo's six months of history)."""
    db.session.info[QUIET] = True
    try:
        yield
    finally:
        db.session.info.pop(QUIET, None)


# --- after the commit ------------------------------------------------------------------------------

@sa.event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    messages = session.info.pop(OUTBOX, None)
    if messages:
        dispatch(messages)


@sa.event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session, previous_transaction) -> None:
    if previous_transaction.parent is None or not session.in_transaction():
        session.info.pop(OUTBOX, None)


def dispatch(messages: list[dict]) -> None:
    """Hand committed messages to the queue (PORTAL_REDIS_URL) or send them now."""
    redis_url = current_app.config.get("REDIS_URL")
    if redis_url:
        try:
            from portal.notifications.tasks import enqueue

            enqueue(redis_url, messages)
            return
        except Exception:  # noqa: BLE001  (the queue down: send now rather than lose the notices)
            logger.exception("notification queue unavailable; sending %s messages now", len(messages))
    deliver(messages)


def deliver(messages: list[dict]) -> int:
    """Send each message; returns how many left. Failures are logged and skipped."""
    sent = 0
    emails = [m for m in messages if m["channel"] == "email"]
    if emails:
        sent += _send_emails(emails)
    for m in messages:
        if m["channel"] == "text":
            messaging.send(m["to"], m["text"])
            sent += 1
    return sent


def _send_emails(emails: list[dict]) -> int:
    config = current_app.config
    if not config.get("SMTP_HOST"):
        return 0
    sent = 0
    try:
        with smtp_connection(config) as smtp:
            for m in emails:
                try:
                    smtp.send_message(build_email(config, m))
                    sent += 1
                except smtplib.SMTPException:
                    logger.exception("e-mail to %s refused", m["to"])
    except (OSError, smtplib.SMTPException):
        logger.exception("mail server %s:%s unavailable; %s e-mails not sent", config.get("SMTP_HOST"),
                         config.get("SMTP_PORT"), len(emails) - sent)
    return sent


def smtp_connection(config) -> smtplib.SMTP:
    smtp = smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=config.get("SMTP_TIMEOUT", 10))
    try:
        if config.get("SMTP_STARTTLS"):
            smtp.starttls(context=ssl.create_default_context())
        if config.get("SMTP_USER"):
            smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    except BaseException:
        smtp.close()
        raise
    return smtp


def build_email(config, m: dict) -> EmailMessage:
    message = EmailMessage()
    message["From"] = formataddr(("阳光物业评价公示平台", config["SMTP_FROM"]))
    message["To"] = m["to"]
    message["Subject"] = m["subject"]
    message["Message-ID"] = make_msgid(domain=config["SMTP_FROM"].rpartition("@")[2] or None)
    message.set_content(m["body"])
    return message
