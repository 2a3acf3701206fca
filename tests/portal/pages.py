"""Reading what a user sees on a page: field errors, flashes, links; and switching the page language."""
from __future__ import annotations

import html
import re
from pathlib import Path

from babel.support import Translations

import portal
from tests.conftest import csrf_token_for, login

__all__ = ["csrf_token_for", "field_error", "flashes", "has_link", "in_english", "login", "page_text", "zh"]

TRANSLATIONS = Path(portal.__file__).resolve().parent / "translations"


def in_english(client):
    """Make ``client`` read the English pages (the portal_lang cookie the language switch sets)."""
    client.set_cookie("portal_lang", "en")
    return client


def field_error(page: str, field_id: str) -> str | None:
    """The error text shown next to a form field (``<p class="error" id="<field>-error">``), or None."""
    match = re.search(rf'<p class="error" id="{re.escape(field_id)}-error">(.*?)</p>', page, re.S)
    return html.unescape(match.group(1)).strip() if match else None


def flashes(page: str) -> list[str]:
    return [html.unescape(m).strip() for m in re.findall(r'<p class="flash[^"]*"[^>]*>(.*?)</p>', page, re.S)]


def has_link(page: str, href: str) -> bool:
    return f'href="{href}"' in page


def page_text(page: str) -> str:
    """The visible text of a page, tags removed and entities decoded (for 'is this shown' checks)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def zh(msgid: str) -> str | None:
    """The zh_CN text the app serves for ``msgid`` (compiled catalogue), or None while it has no entry.

    The catalogue is written alongside these tests; callers fall back to asserting the English msgid.
    """
    text = Translations.load(str(TRANSLATIONS), ["zh_CN"]).gettext(msgid)
    return text if text != msgid else None
