"""Uploaded photos and vouchers: checked by content, re-encoded from pixels, stored under server-chosen names.

Every feature that takes a file (ledger vouchers, objection and ticket photos) goes through here:

* ``accept(stream, kinds=..., label=...)`` reads at most ``UPLOAD_MAX_BYTES`` (the rest is never read),
  decides the kind by the bytes, not the name or the browser's claim, and for images checks the pixel
  count from the header *before* decoding, then decodes and re-encodes the pixels, so EXIF (GPS
  positions, camera serials) and anything hidden after the image never survive. PDFs are kept as sent
  but refused when they carry active content (JavaScript, launch actions, embedded files).
* ``store(tenant_id, folder, accepted)`` writes the file under ``<upload root>/t<tenant>/<folder>/`` with
  a random name and returns the key the feature keeps in its table; ``read`` and ``response`` take that
  key back. Keys are checked against their exact shape, so a key from a form or URL cannot leave the
  tenant's folder. Who may see a file is the feature's decision, made before it calls ``response``.

The backend is a folder (``PORTAL_UPLOAD_ROOT``, default ``<instance>/uploads``) behind three calls, so a
deployment can put it on a shared volume; nothing else in the portal touches the files' paths.
"""
from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Iterable

from flask import Response, current_app, send_file
from flask_babel import gettext as _
from PIL import Image, ImageOps

IMAGE_KINDS = frozenset({"jpeg", "png", "webp"})
CONTENT_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp", "pdf": "application/pdf"}
KIND_NAMES = {"jpeg": "JPEG", "png": "PNG", "webp": "WebP", "pdf": "PDF"}
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000   # a 48-megapixel phone photo is refused; 12 MP and 20 MP are taken
STORED_MAX_SIDE = 2560            # longer side of a stored photo: sharp on a screen and on A4, a tenth of the bytes
# PDF names that make a reader act on its own rather than show a page.
PDF_ACTIVE_CONTENT = (b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/RichMedia", b"/OpenAction")
FOLDER_RE = re.compile(r"^[a-z][a-z_]{0,30}$")
KEY_RE = re.compile(r"^(?P<folder>[a-z][a-z_]{0,30})/(?P<token>[0-9a-f]{32})\.(?P<suffix>jpg|png|webp|pdf)$")
SUFFIXES = {"jpeg": "jpg", "png": "png", "webp": "webp", "pdf": "pdf"}
KIND_OF_SUFFIX = {suffix: kind for kind, suffix in SUFFIXES.items()}


class UploadRejected(ValueError):
    """The file is not one the field takes; the message names the field and the rule, in the user's language."""


@dataclass(frozen=True)
class AcceptedFile:
    data: bytes
    kind: str

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.kind]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def size(self) -> int:
        return len(self.data)


def sniff(head: bytes) -> str | None:
    """The kind of file these first bytes begin, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"%PDF-"):
        return "pdf"
    return None


def _limit(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def accept(stream: BinaryIO, *, kinds: Iterable[str], label: str) -> AcceptedFile:
    """Read, check and clean one upload; raise UploadRejected naming ``label`` and the rule broken."""
    kinds = frozenset(kinds)
    max_bytes = _limit("UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES)
    data = stream.read(max_bytes + 1)
    allowed = "、".join(KIND_NAMES[k] for k in sorted(kinds))
    if not data:
        raise UploadRejected(_("%(field)s: the file is empty.", field=label))
    if len(data) > max_bytes:
        raise UploadRejected(_("%(field)s: the file is larger than %(mb)s MB.", field=label,
                               mb=max_bytes // (1024 * 1024)))
    kind = sniff(data[:16])
    if kind not in kinds:
        raise UploadRejected(_("%(field)s: only %(kinds)s files are accepted (judged by the content, not the name).",
                               field=label, kinds=allowed))
    if kind == "pdf":
        return AcceptedFile(_checked_pdf(data, label), "pdf")
    return AcceptedFile(_reencoded_image(data, kind, label), kind)


def _checked_pdf(data: bytes, label: str) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise UploadRejected(_("%(field)s: the PDF file is incomplete or damaged.", field=label))
    if any(name in data for name in PDF_ACTIVE_CONTENT):
        raise UploadRejected(_("%(field)s: the PDF contains scripts, actions or embedded files; "
                               "print it to a plain PDF and upload that.", field=label))
    return data


def _reencoded_image(data: bytes, kind: str, label: str) -> bytes:
    max_pixels = _limit("UPLOAD_MAX_PIXELS", DEFAULT_MAX_PIXELS)
    too_large = UploadRejected(_("%(field)s: the image has more than %(mp)s million pixels.", field=label,
                                 mp=max_pixels // 1_000_000))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > max_pixels:
                raise too_large
            image.seek(0)  # an animation keeps its first frame only
            image.load()
    except UploadRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise too_large from error
    except (OSError, ValueError, SyntaxError, EOFError) as error:
        raise UploadRejected(_("%(field)s: the image cannot be read; it may be damaged.", field=label)) from error
    image = ImageOps.exif_transpose(image)  # keep what the camera meant as "up" once EXIF is gone
    image.thumbnail((STORED_MAX_SIDE, STORED_MAX_SIDE))
    out = io.BytesIO()
    if kind == "jpeg":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif kind == "png":
        keep = image.mode if image.mode in {"1", "L", "LA", "P", "RGB", "RGBA"} else "RGBA"
        image.convert(keep).save(out, "PNG", optimize=False)
    else:
        keep = "RGBA" if "A" in image.getbands() else "RGB"
        image.convert(keep).save(out, "WEBP", quality=85)
    return out.getvalue()


def upload_root() -> Path:
    configured = current_app.config.get("UPLOAD_ROOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "uploads"


def _path(tenant_id: int, key: str) -> Path:
    if not isinstance(key, str) or not KEY_RE.match(key):
        raise FileNotFoundError(key)
    return upload_root() / f"t{int(tenant_id)}" / key


def store(tenant_id: int, folder: str, accepted: AcceptedFile) -> str:
    """Write ``accepted`` under a random name in the tenant's ``folder``; return its key."""
    if not FOLDER_RE.match(folder):
        raise ValueError(f"not a storage folder name: {folder!r}")
    key = f"{folder}/{secrets.token_hex(16)}.{SUFFIXES[accepted.kind]}"
    path = _path(tenant_id, key)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_suffix(path.suffix + ".part")
    partial.write_bytes(accepted.data)
    os.replace(partial, path)  # readers never see half a file
    return key


def read(tenant_id: int, key: str) -> bytes:
    return _path(tenant_id, key).read_bytes()


def delete(tenant_id: int, key: str) -> None:
    try:
        _path(tenant_id, key).unlink()
    except FileNotFoundError:
        pass


def exists(tenant_id: int, key: str) -> bool:
    try:
        return _path(tenant_id, key).is_file()
    except FileNotFoundError:
        return False


def response(tenant_id: int, key: str, *, download_name: str) -> Response:
    """Serve a stored file to someone the caller has already authorised; 404 for an unknown key."""
    from werkzeug.exceptions import NotFound

    try:
        data = read(tenant_id, key)
    except FileNotFoundError as error:
        raise NotFound() from error
    kind = KIND_OF_SUFFIX[KEY_RE.match(key).group("suffix")]
    result = send_file(io.BytesIO(data), mimetype=CONTENT_TYPES[kind], as_attachment=(kind == "pdf"),
                       download_name=f"{download_name}.{SUFFIXES[kind]}", etag=hashlib.sha256(data).hexdigest(),
                       max_age=0)
    # A stored file is data, never a page: no scripts, no framing, no guessing of its type.
    result.headers["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    result.headers["X-Content-Type-Options"] = "nosniff"
    result.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    result.headers["Cache-Control"] = "private, no-cache"
    return result
