"""The message-sender interface: chosen by PORTAL_MESSAGE_SENDER, the log sender logs, a failing sender is no 500."""
from __future__ import annotations

import logging

import pytest
from flask import Flask

from portal import messaging
from portal.config import ConfigError
from tenants.roles import Role
from tests.conftest import csrf_token_for


def test_the_log_sender_writes_the_message_to_the_log(app, caplog):
    with app.app_context(), caplog.at_level(logging.WARNING, logger="portal.messaging"):
        messaging.LogSender().send("13800000000", "code 123456")
    assert "message to 13800000000: code 123456" in caplog.text


def test_the_sender_is_a_setting_and_a_wrong_name_stops_the_start():
    app = Flask(__name__)
    assert "log" in messaging.SENDERS  # the production default needs no account anywhere
    app.config["MESSAGE_SENDER"] = "carrier-pigeon"
    with pytest.raises(ConfigError, match="PORTAL_MESSAGE_SENDER"):
        messaging.init_app(app)


def test_a_failing_sender_does_not_change_the_answer(app, world, caplog):
    class Broken:
        def send(self, to, text):
            raise ConnectionError("gateway down")

    previous = app.extensions["message_sender"]
    app.extensions["message_sender"] = Broken()
    try:
        client = app.test_client()
        response = client.post("/account/reset", data={"csrf_token": csrf_token_for(client, "/account/reset"),
                                                       "identifier": world.a.logins[Role.OWNER]})
    finally:
        app.extensions["message_sender"] = previous
    assert response.status_code == 303
    assert "could not be sent" in caplog.text
