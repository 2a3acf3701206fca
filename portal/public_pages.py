"""Anonymous public pages: cacheable by browsers and proxies, and answered from this process's memory.

A public page (the tenant's home page today; notice boards and rankings later) is the same for
every anonymous visitor of a language. ``public_response`` marks such a response; ``PageCache``, a
WSGI layer in front of the app, keeps its bytes (status, every header the app set — security
headers included — and body) for ``PUBLIC_CACHE_SECONDS`` and answers the next anonymous request for
the same address and language from them, without the app's pipeline (session, tenant lookup,
limiter, locale, template). A repeat visit with the page's ETag gets 304.

What is never served from or kept in it: a request with any cookie besides the language one (a
session: signed in, or holding a form token or a message), with an Authorization header, other
than GET/HEAD; a response other than 200, one that sets a cookie, or one not marked public. Entries
end with their lifetime and are dropped at once, in this process, when ``clear()`` is called (the
registry's public figures changed, a tenant changed); other processes keep theirs at most
``PUBLIC_CACHE_SECONDS`` — the same staleness the browser's own copy is allowed (max-age).
"""
from __future__ import annotations

import threading
import time
from http.cookies import SimpleCookie
from typing import Callable, Iterable

from flask import current_app, request, session
from flask_login import current_user

from portal.i18n import LANG_COOKIE

MARK = "portal.public_page"
MAX_ENTRIES = 512
_NOT_PUBLIC_HEADERS = ("set-cookie", "www-authenticate")


def public_response(response):
    """Mark a 200 answer to an anonymous visitor with an empty session as public (see the module docstring).

    Otherwise the response is left as it is (signed-in pages get ``no-store`` in portal/security.py).
    ``Vary: Cookie``: the language comes from a cookie.
    """
    if request.method not in ("GET", "HEAD") or response.status_code != 200:
        return response
    if current_user.is_authenticated or session:
        return response
    response.cache_control.public = True
    response.cache_control.max_age = current_app.config.get("PUBLIC_CACHE_SECONDS", 60)
    response.vary.add("Cookie")
    response.add_etag()
    request.environ[MARK] = True
    return response.make_conditional(request)


class _Entry:
    __slots__ = ("status", "headers", "body", "etag", "expires")

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, expires: float):
        self.status, self.headers, self.body, self.expires = status, headers, body, expires
        self.etag = next((v for k, v in headers if k.lower() == "etag"), None)


def _cache_key(environ) -> tuple | None:
    """The key of an anonymous GET/HEAD, or None when the request may carry anything personal."""
    if environ.get("REQUEST_METHOD") not in ("GET", "HEAD") or environ.get("HTTP_AUTHORIZATION"):
        return None
    lang = ""
    raw = environ.get("HTTP_COOKIE")
    if raw:
        try:
            cookies = SimpleCookie(raw)
        except Exception:  # noqa: BLE001  (a malformed cookie header: let the app deal with it)
            return None
        if any(name != LANG_COOKIE for name in cookies):
            return None
        lang = cookies[LANG_COOKIE].value if LANG_COOKIE in cookies else ""
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST", ""), environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO", ""), environ.get("QUERY_STRING", ""), lang)


class PageCache:
    """WSGI middleware: the public-page cache of this process (see the module docstring)."""

    def __init__(self, app: Callable, seconds: float, clock: Callable[[], float] = time.monotonic):
        self.app = app
        self.seconds = seconds
        self.clock = clock
        self._entries: dict[tuple, _Entry] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)

    def __call__(self, environ, start_response) -> Iterable[bytes]:
        key = _cache_key(environ)
        if key is None:
            return self.app(environ, start_response)
        entry = self._entries.get(key)
        if entry is not None and entry.expires > self.clock():
            return self._serve(entry, environ, start_response)
        captured: dict = {}

        def _capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        body = self.app(environ, _capture)
        if not environ.get(MARK) or not captured.get("status", "").startswith("200"):
            return body
        if any(name.lower() in _NOT_PUBLIC_HEADERS for name, _ in captured["headers"]):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        if environ.get("REQUEST_METHOD") == "GET":
            self._store(key, _Entry(captured["status"], list(captured["headers"]), data, self.clock() + self.seconds))
        return [data]

    def _store(self, key: tuple, entry: _Entry) -> None:
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                now = self.clock()
                for stale in [k for k, e in self._entries.items() if e.expires <= now] or list(self._entries)[:MAX_ENTRIES // 4]:
                    del self._entries[stale]
            self._entries[key] = entry

    @staticmethod
    def _serve(entry: _Entry, environ, start_response) -> Iterable[bytes]:
        match = environ.get("HTTP_IF_NONE_MATCH")
        if match and entry.etag and entry.etag in {tag.strip() for tag in match.split(",")}:
            headers = [(k, v) for k, v in entry.headers if k.lower() not in ("content-length", "content-type")]
            start_response("304 Not Modified", headers)
            return []
        start_response(entry.status, entry.headers)
        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [entry.body]


def init_app(app) -> None:
    """Put the page cache in front of the app (PUBLIC_CACHE_SECONDS = 0 leaves it out)."""
    seconds = app.config.get("PUBLIC_CACHE_SECONDS", 60)
    if not seconds:
        return
    page_cache = PageCache(app.wsgi_app, seconds)
    app.wsgi_app = page_cache
    app.extensions["public_page_cache"] = page_cache


def clear_page_cache() -> None:
    page_cache = current_app.extensions.get("public_page_cache")
    if page_cache is not None:
        page_cache.clear()
