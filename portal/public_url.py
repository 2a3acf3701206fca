"""Absolute links that leave the screen (printed slips, QR codes, posters, e-mails, exports).

Such a link must carry the address other people's devices reach the portal at, not the address the
administrator happened to browse from (``http://127.0.0.1:5000`` on the server itself). Order:
the tenant's own setting (platform area), then ``PORTAL_PUBLIC_URL``, then — last resort — the
request's host, which pages that print links flag with a warning.
"""
from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, url_for
from flask_babel import lazy_gettext as _l

# A path prefix (the portal served under https://host/portal/) is allowed; only plain segments.
_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")
_HOST_NAME = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$")
MAX_LENGTH = 200


class PublicUrlError(ValueError):
    """A public base URL that cannot be used; ``message`` names the rule, for the user."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def normalise_public_url(raw: str | None) -> str | None:
    """``raw`` checked and reduced to ``scheme://host[:port][/prefix]`` (no trailing slash); None if blank.

    Refused: other schemes, user names or passwords, queries, fragments, backslashes, control or
    space characters, ``.``/``..`` segments — anything that would make a printed link point
    somewhere other than what the administrator reads.
    """
    value = (raw or "").strip()
    if not value:
        return None
    if len(value) > MAX_LENGTH:
        raise PublicUrlError(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    if any(ord(ch) < 0x21 or 0x7F <= ord(ch) <= 0x9F or ch in "\\\u200b\u200c\u200d\u2028\u2029\ufeff" for ch in value):
        raise PublicUrlError(_l("Spaces, backslashes and control characters are not allowed in the address."))
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not value.lower().startswith(parts.scheme.lower() + "://"):
        raise PublicUrlError(_l("Start the address with http:// or https://, e.g. http://192.168.1.20:8000"))
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise PublicUrlError(_l("The address must not contain a user name or password."))
    if parts.query or parts.fragment or "?" in value or "#" in value:
        raise PublicUrlError(_l("The address must not contain ? or #."))
    if not _host_ok(parts.hostname or ""):
        raise PublicUrlError(_l("Give a host name or IP address, e.g. http://192.168.1.20:8000"))
    try:
        port = parts.port
    except ValueError:
        raise PublicUrlError(_l("The port must be a number from 1 to 65535.")) from None
    if port == 0:
        raise PublicUrlError(_l("The port must be a number from 1 to 65535."))
    segments = [s for s in parts.path.split("/") if s != ""]
    if any(s in (".", "..") or not _SEGMENT.match(s) for s in segments) or "//" in parts.path:
        raise PublicUrlError(_l("The path after the host may only hold plain names such as /portal."))
    netloc = parts.netloc.lower()
    return f"{parts.scheme.lower()}://{netloc}" + ("/" + "/".join(segments) if segments else "")


def _host_ok(host: str) -> bool:
    if ":" in host:  # an IPv6 literal, written [::1] in the URL
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
        return True
    return bool(_HOST_NAME.match(host))


@dataclass(frozen=True)
class PublicBase:
    url: str
    source: str  # "tenant", "config" or "request"

    @property
    def is_guess(self) -> bool:
        """True when no public address is set and the request's host stands in for it."""
        return self.source == "request"

    @property
    def is_local(self) -> bool:
        """The host only this computer reaches (127.0.0.1, localhost, ::1)."""
        host = urlsplit(self.url).hostname or ""
        if host == "localhost" or host.endswith(".localhost"):
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def public_base(tenant=None) -> PublicBase:
    """The base of absolute links for ``tenant`` (default: the current tenant)."""
    tenant = tenant if tenant is not None else g.get("tenant")
    if tenant is not None and getattr(tenant, "public_url", None):
        return PublicBase(tenant.public_url, "tenant")
    configured = current_app.config.get("PUBLIC_URL")
    if configured:
        return PublicBase(configured, "config")
    if has_request_context():
        return PublicBase(request.host_url.rstrip("/"), "request")
    raise RuntimeError("No PORTAL_PUBLIC_URL and no request to take a host from")


def public_url_for(endpoint: str, *, _tenant=None, **values) -> str:
    """``url_for(endpoint, **values)`` as an absolute link on the public base address."""
    path = url_for(endpoint, **values)
    if has_request_context() and request.script_root and path.startswith(request.script_root):
        # The public base already says where the portal lives; don't repeat this request's prefix.
        path = path[len(request.script_root):]
    return public_base(_tenant).url + path
