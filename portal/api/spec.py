"""Settings of the generated OpenAPI document (flask-smorest builds it from the routes' decorators)."""
from __future__ import annotations

SPEC_CONFIG = {
    "API_TITLE": "Sunshine Property Portal API",
    "API_VERSION": "1.0.0",
    "OPENAPI_VERSION": "3.0.3",
    # Only the JSON document is served, at /api/v1/openapi.json: no browsable page (none from a CDN).
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    "API_SPEC_OPTIONS": {
        "info": {"description": (
            "Tenant-scoped JSON API under /api/v1/t/{tenant_slug}/. Authenticate with "
            "`Authorization: Bearer <token>` (create tokens in the browser under Account → API tokens) or a "
            "browser session plus the X-CSRFToken header. Lists are paginated (`page`, `page_size` ≤ 100; "
            "totals in the `X-Pagination` header); some reads answer 304 to `If-None-Match`. Every error is "
            "`{\"error\": {\"code\", \"message\", \"fields\"?}}`, the message in the caller's language.")},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    },
}
