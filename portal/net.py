"""The client's network address, as the one trusted reverse-proxy hop reported it."""
from flask import request


def client_address() -> str:
    """Address used for rate limits and the audit log.

    ProxyFix (configured with the exact hop count) has already replaced remote_addr with the
    proxy-reported address, so a client cannot choose its own key by sending X-Forwarded-For.
    """
    return request.remote_addr or "unknown"
