"""Decoding the QR codes a page draws: the segno SVG rasterised here, read by ZXing (zxing-cpp).

segno draws each dark run of a module row as one horizontal stroke of width 1 (``M x y.5 h n m dx dy``);
painting those runs into a grey-scale buffer gives ZXing a clean image to decode, so a test checks what a
phone would read, not the text the page was asked to encode.
"""
from __future__ import annotations

import re

import zxingcpp

SCALE = 8  # pixels per module


def rasterise(svg: str) -> tuple[bytes, int]:
    """(grey-scale pixels, side in pixels) of a segno QR ``<svg>`` (white background, black modules)."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    side = size * SCALE
    pixels = bytearray([255]) * (side * side)
    x = y = 0.0
    for command, args in re.findall(r"([MmHhVv])([-\d. ]+)", path):
        numbers = [float(n) for n in args.replace("-", " -").split()]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        elif command in "hH":
            end = x + numbers[0] if command == "h" else numbers[0]
            row = int(y)  # the stroke is centred on y = row + 0.5
            for px_y in range(row * SCALE, (row + 1) * SCALE):
                start = px_y * side
                pixels[start + int(min(x, end) * SCALE):start + int(max(x, end) * SCALE)] = \
                    bytes(int(abs(end - x) * SCALE))
            x = end
        else:
            raise AssertionError(f"unexpected path command {command!r} in the QR code")
    return bytes(pixels), side


def decode_qr_svg(svg: str) -> str:
    """The text a scanner reads from the QR code drawn by ``svg`` (exactly one code expected)."""
    pixels, side = rasterise(svg)
    image = memoryview(pixels).cast("B", (side, side))
    results = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert len(results) == 1, f"expected one QR code, ZXing found {len(results)}"
    return results[0].text
