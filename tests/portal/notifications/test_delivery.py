"""E-mails really reach a local SMTP server (aiosmtpd) after the commit, in the recipient's language, with a
link on the tenant's public address; nothing leaves after a rollback; opting out and missing addresses;
short texts for urgent events; a bad mail setting stops the start."""
from __future__ import annotations

import types

import pytest

from portal.config import ConfigError, check_smtp
from portal.extensions import db
from portal.notifications.models import Notification
from portal.tickets import workflow
from portal.tickets.models import Urgency
from tenants.roles import Role
from tests.portal.notifications.helpers import smtp_server
from tests.portal.tickets.helpers import EVE_OF_NATIONAL_DAY, file_as_owner, in_tenant, user

T0 = EVE_OF_NATIONAL_DAY


def _people(a):
    owner, firm = user(a, Role.OWNER), user(a, Role.FIRM_STAFF)
    owner.email, firm.email = "owner@example.org", "firm@example.org"
    firm.locale = "en"
    db.session.flush()
    return owner, firm


def test_emails_leave_after_the_commit_in_each_recipients_language(app, app_ctx, world):
    a = world.a
    with smtp_server(app) as sink, in_tenant(a) as tenant:
        tenant.public_url = "https://wuye.example.gov.cn"
        owner, firm = _people(a)
        ticket = file_as_owner(tenant, a, now=T0)
        workflow.accept(tenant=tenant, actor=firm, ticket=ticket, assignee_id=firm.id, now=T0)
        assert sink.messages == []  # not before the commit
        db.session.commit()
        to_firm, to_owner = sink.to("firm@example.org"), sink.to("owner@example.org")
        assert len(to_firm) == 1 and len(to_owner) == 1
        english, chinese = to_firm[0], to_owner[0]
        assert english["Subject"].startswith("alpha bureau: New ticket " + ticket.reference)
        assert "Hello firm_staff-" in english.get_content()
        assert chinese["Subject"] == f"{tenant.name_zh}：您的工单 {ticket.reference} 已受理，物业正在处理。"
        body = chinese.get_content()
        assert "您好" in body and "您的工单" in body
        assert f"https://wuye.example.gov.cn/t/alpha/tickets/{ticket.id}" in body
        assert "portal@wuye.example.org" in chinese["From"]


def test_no_email_when_the_transaction_is_rolled_back(app, app_ctx, world):
    a = world.a
    with smtp_server(app) as sink, in_tenant(a) as tenant:
        _people(a)
        db.session.commit()
        file_as_owner(tenant, a, now=T0)
        db.session.rollback()
        assert db.session.info.get("notification_outbox") in (None, [])
        db.session.commit()  # a later commit sends nothing of the rolled-back one
        assert sink.messages == []


def test_opting_out_or_having_no_address_still_gets_the_in_app_notice(app, app_ctx, world):
    a = world.a
    with smtp_server(app) as sink, in_tenant(a) as tenant:
        owner, firm = _people(a)
        firm.notify_by_email = False
        owner.email = None
        ticket = file_as_owner(tenant, a, now=T0)
        workflow.accept(tenant=tenant, actor=firm, ticket=ticket, assignee_id=firm.id, now=T0)
        db.session.commit()
        assert sink.messages == []
        kinds = {n.kind for n in db.session.query(Notification).filter(Notification.object_id == ticket.id)}
        assert kinds == {"ticket.filed", "ticket.accepted"}


def test_an_urgent_repair_texts_the_verified_mobile_only(app, app_ctx, world, outbox):
    a = world.a
    with in_tenant(a) as tenant:
        firm = user(a, Role.FIRM_STAFF)
        ticket = file_as_owner(tenant, a, urgency=Urgency.URGENT, now=T0)
        db.session.commit()
        assert outbox.sent == []  # not verified: in-app only
        firm.mobile_verified_at = T0
        ticket2 = file_as_owner(tenant, a, urgency=Urgency.URGENT, now=T0)
        db.session.commit()
        [text] = outbox.to(firm.mobile)
        assert text.text.startswith(f"【{tenant.name_zh}】") and ticket2.reference in text.text and "紧急工单" in text.text
        assert ticket.reference not in text.text


def test_a_mail_server_that_is_down_does_not_undo_the_action(app, app_ctx, world, caplog):
    from tests.portal.notifications.helpers import free_port

    a = world.a
    saved = {k: app.config.get(k) for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_FROM")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_FROM="portal@wuye.example.org")
    try:
        with in_tenant(a) as tenant:
            _people(a)
            ticket = file_as_owner(tenant, a, now=T0)
            db.session.commit()
            assert db.session.get(type(ticket), ticket.id) is not None
        assert "unavailable" in caplog.text
    finally:
        app.config.update(saved)


@pytest.mark.parametrize("settings, rule", [
    (dict(SMTP_FROM=None), "PORTAL_SMTP_FROM"),
    (dict(SMTP_FROM="not an address"), "PORTAL_SMTP_FROM"),
    (dict(SMTP_PORT=0), "PORTAL_SMTP_PORT"),
    (dict(SMTP_USER="mailer", SMTP_PASSWORD=None), "PORTAL_SMTP_USER"),
    (dict(SMTP_TIMEOUT=0), "PORTAL_SMTP_TIMEOUT"),
])
def test_bad_mail_settings_stop_the_start(settings, rule):
    config = types.SimpleNamespace(**{**dict(SMTP_HOST="mail.example.org", SMTP_PORT=587, SMTP_USER=None,
                                             SMTP_PASSWORD=None, SMTP_FROM="portal@example.org", SMTP_TIMEOUT=10),
                                      **settings})
    with pytest.raises(ConfigError, match=rule):
        check_smtp(config)


def test_good_mail_settings_and_no_mail_server_at_all_pass():
    check_smtp(types.SimpleNamespace(SMTP_HOST=None))
    check_smtp(types.SimpleNamespace(SMTP_HOST="mail.example.org", SMTP_PORT=587, SMTP_USER="u", SMTP_PASSWORD="p",
                                     SMTP_FROM="portal@example.org", SMTP_TIMEOUT=10))
