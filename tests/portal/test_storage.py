"""Uploads are judged by their bytes, cleaned of metadata, bounded before decoding and kept inside the tenant's folder."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from portal import storage
from portal.storage import UploadRejected, accept


def photo_with_gps(fmt: str = "JPEG", size=(64, 48)) -> bytes:
    """A photo as a phone sends it: with an EXIF block that names the camera and where it was."""
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "Model-Serial-12345"  # Model
    exif[0x8825] = {1: "N", 2: (36.0, 51.0, 0.0), 3: "E", 4: (116.0, 13.0, 0.0)}  # GPS IFD
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge canvas: a decompression bomb must be refused before decoding."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")


def rejected(data: bytes, kinds=("jpeg", "png", "webp"), label="现场照片") -> str:
    with pytest.raises(UploadRejected) as caught:
        accept(io.BytesIO(data), kinds=kinds, label=label)
    return str(caught.value)


@pytest.mark.parametrize("fmt,kind", [("JPEG", "jpeg"), ("PNG", "png"), ("WEBP", "webp")])
def test_photos_lose_their_exif_and_gps(app_ctx, fmt, kind):
    original = photo_with_gps(fmt)
    assert b"Model-Serial-12345" in original
    accepted = accept(io.BytesIO(original), kinds={"jpeg", "png", "webp"}, label="photo")
    assert accepted.kind == kind
    assert b"Model-Serial-12345" not in accepted.data and b"PhoneMaker" not in accepted.data
    cleaned = Image.open(io.BytesIO(accepted.data))
    assert cleaned.size == (64, 48)
    assert not cleaned.getexif()


def test_the_kind_is_judged_by_content_not_by_name(app_ctx):
    text = b"<html><script>alert(1)</script></html>"
    message = rejected(text)
    assert "现场照片" in message or "photo" in message.lower()
    # A PNG sent as "x.jpg" is a PNG: accepted as one, served as one.
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, "PNG")
    assert accept(io.BytesIO(png.getvalue()), kinds={"jpeg", "png"}, label="photo").kind == "png"


def test_empty_oversized_and_bomb_files_are_refused(app_ctx, app):
    assert rejected(b"")
    app.config["UPLOAD_MAX_BYTES"] = 1024 * 1024
    try:
        assert "1 MB" in rejected(photo_with_gps(size=(400, 400)) + b"\0" * (1024 * 1024))
    finally:
        app.config["UPLOAD_MAX_BYTES"] = storage.DEFAULT_MAX_BYTES
    message = rejected(png_header_claiming(60_000, 60_000))
    assert "40" in message  # names the limit: 40 million pixels


def test_a_truncated_image_is_reported_as_damaged(app_ctx):
    whole = photo_with_gps(size=(300, 300))
    assert rejected(whole[: len(whole) // 3])


def test_large_photos_are_stored_at_screen_size(app_ctx):
    big = io.BytesIO()
    Image.new("RGB", (4000, 3000), (1, 2, 3)).save(big, "JPEG")
    accepted = accept(io.BytesIO(big.getvalue()), kinds={"jpeg"}, label="photo")
    assert max(Image.open(io.BytesIO(accepted.data)).size) == storage.STORED_MAX_SIDE


def test_pdfs_with_active_content_are_refused(app_ctx):
    plain = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    assert accept(io.BytesIO(plain), kinds={"pdf"}, label="voucher").kind == "pdf"
    scripted = plain.replace(b"/Type /Catalog", b"/Type /Catalog /OpenAction << /S /JavaScript /JS (app.alert(1)) >>")
    assert rejected(scripted, kinds={"pdf"})
    assert rejected(plain[:-7], kinds={"pdf"})  # no end-of-file marker: incomplete
    assert rejected(plain, kinds={"jpeg"})      # a PDF where only photos are taken


def test_stored_files_come_back_only_by_their_exact_key_and_tenant(app_ctx):
    accepted = accept(io.BytesIO(photo_with_gps()), kinds={"jpeg"}, label="photo")
    key = storage.store(7, "vouchers", accepted)
    assert storage.read(7, key) == accepted.data
    assert not storage.exists(8, key)  # another tenant's folder
    for forged in ("../t8/" + key, key.replace("vouchers", "../vouchers"), "vouchers/../../etc/passwd", key + "x", ""):
        with pytest.raises(FileNotFoundError):
            storage.read(7, forged)
    storage.delete(7, key)
    assert not storage.exists(7, key)


def test_served_files_cannot_run_as_pages(app):
    with app.test_request_context():
        accepted = accept(io.BytesIO(photo_with_gps()), kinds={"jpeg"}, label="photo")
        key = storage.store(3, "photos", accepted)
        served = storage.response(3, key, download_name="photo-1")
        assert served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in served.headers["Content-Security-Policy"]
        with pytest.raises(Exception) as missing:
            storage.response(4, key, download_name="photo-1")
        assert getattr(missing.value, "code", None) == 404
