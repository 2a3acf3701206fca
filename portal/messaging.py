"""Short messages to a person's mobile number or e-mail address (one-time codes, and the short text of an
urgent notification — portal/notifications/delivery.py), through one interface.

Which sender carries them is a setting (PORTAL_MESSAGE_SENDER): ``log`` (the default) writes each
message to the application log, for an installation without an SMS or WeChat account yet — whoever
reads the log reads the codes, so it is for trials and intranets whose administrator relays codes by
hand; ``memory`` keeps them in the process (tests and the browser tour read them there). SMS and
WeChat adapters plug in by adding a class with ``send`` to SENDERS.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Protocol

from flask import Flask, current_app

logger = logging.getLogger(__name__)


class Sender(Protocol):
    def send(self, to: str, text: str) -> None:
        """Deliver ``text`` to ``to`` (a normalised mobile number or e-mail address)."""


@dataclass(frozen=True)
class Message:
    to: str
    text: str


class LogSender:
    """Writes every message to the log (the administrator relays it, or nobody does)."""

    def send(self, to: str, text: str) -> None:
        logger.warning("message to %s: %s", to, text)


class MemorySender:
    """Keeps every message in ``sent`` (tests, demos): nothing leaves the process."""

    def __init__(self) -> None:
        self.sent: list[Message] = []
        self._lock = threading.Lock()

    def send(self, to: str, text: str) -> None:
        with self._lock:
            self.sent.append(Message(to=to, text=text))

    def to(self, address: str) -> list[Message]:
        return [m for m in self.sent if m.to == address]


SENDERS: dict[str, type] = {"log": LogSender, "memory": MemorySender}


def init_app(app: Flask) -> None:
    name = app.config.get("MESSAGE_SENDER") or "log"
    if name not in SENDERS:
        from portal.config import ConfigError

        raise ConfigError(f"PORTAL_MESSAGE_SENDER must be one of {', '.join(SENDERS)}; got {name!r}")
    app.extensions["message_sender"] = SENDERS[name]()


def sender() -> Sender:
    return current_app.extensions["message_sender"]


def send(to: str, text: str) -> None:
    """Send ``text`` to ``to``; a failing sender is logged, never shown (the answer must not differ by account)."""
    try:
        sender().send(to, str(text))
    except Exception:  # noqa: BLE001  (an SMS gateway down must not turn a reset request into a 500)
        logger.exception("message to %s could not be sent", to)
