"""Uploaded rosters kept between preview and import: a tenant's folder, a server-chosen name, an owner.

The file is stored under ``<instance>/roster_uploads/t<tenant id>/<token>.upload`` with a small
JSON sidecar naming the tenant, user and community it belongs to. The token (128 random bits)
is the only handle the browser gets; a token presented by anyone else, for another community or
in another tenant is simply not found. Files are deleted after import and after ``EXPIRY``.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import re
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

logger = logging.getLogger(__name__)

EXPIRY = dt.timedelta(hours=1)
MAX_BYTES = 10 * 1024 * 1024
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_COPY_CHUNK = 1 << 16


class UploadTooLarge(Exception):
    """The file is larger than MAX_BYTES."""


@dataclass(frozen=True)
class StoredUpload:
    token: str
    path: Path
    filename: str
    community_id: int
    created_at: dt.datetime


def root() -> Path:
    return Path(current_app.instance_path) / "roster_uploads"


def tenant_dir(tenant_id: int) -> Path:
    return root() / f"t{int(tenant_id)}"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def store(*, tenant_id: int, user_id: int, community_id: int, stream: BinaryIO, filename: str) -> StoredUpload:
    """Copy ``stream`` into the tenant's folder under a random name; raise UploadTooLarge past MAX_BYTES."""
    purge_expired()
    folder = tenant_dir(tenant_id)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    token = secrets.token_hex(16)
    path = folder / f"{token}.upload"
    size = 0
    try:
        with open(path, "xb") as out:
            while True:
                chunk = stream.read(_COPY_CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_BYTES:
                    raise UploadTooLarge()
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    created = _now()
    shown = (filename or "").replace("\\", "/").rsplit("/", 1)[-1][:120]
    meta = {"tenant_id": tenant_id, "user_id": user_id, "community_id": community_id, "filename": shown,
            "created_at": created.isoformat(), "size": size}
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return StoredUpload(token=token, path=path, filename=shown, community_id=community_id, created_at=created)


def load(*, tenant_id: int, user_id: int, community_id: int, token: str) -> StoredUpload | None:
    """The upload behind ``token`` if it belongs to this tenant, user and community and has not expired."""
    if not isinstance(token, str) or not TOKEN_RE.match(token):
        return None
    path = tenant_dir(tenant_id) / f"{token}.upload"
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        created = dt.datetime.fromisoformat(meta["created_at"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if (meta.get("tenant_id"), meta.get("user_id"), meta.get("community_id")) != (tenant_id, user_id, community_id):
        return None
    if _now() - created > EXPIRY or not path.exists():
        discard_path(path)
        return None
    return StoredUpload(token=token, path=path, filename=meta.get("filename", ""), community_id=community_id,
                        created_at=created)


def discard(upload: StoredUpload | None) -> None:
    if upload is not None:
        discard_path(upload.path)


def discard_path(path: Path) -> None:
    path.unlink(missing_ok=True)
    path.with_suffix(".json").unlink(missing_ok=True)


def purge_expired(now: dt.datetime | None = None) -> int:
    """Delete every kept upload older than EXPIRY (all tenants); returns how many were removed."""
    now = now or _now()
    base = root()
    if not base.is_dir():
        return 0
    removed = 0
    for folder in base.iterdir():
        if not folder.is_dir():
            continue
        for data in folder.glob("*.upload"):
            try:
                meta = json.loads(data.with_suffix(".json").read_text(encoding="utf-8"))
                created = dt.datetime.fromisoformat(meta["created_at"])
            except (OSError, ValueError, KeyError, TypeError):
                # No readable sidecar: judge by the file's own age.
                try:
                    created = dt.datetime.fromtimestamp(data.stat().st_mtime, dt.timezone.utc)
                except OSError:
                    continue
            if now - created > EXPIRY:
                discard_path(data)
                removed += 1
    if removed:
        logger.info("roster uploads purged: %s", removed)
    return removed


def remove_all() -> None:
    """Remove the whole upload folder (tests and maintenance)."""
    shutil.rmtree(root(), ignore_errors=True)
