"""QR codes as inline SVG, drawn here (segno): no external service, nothing a strict CSP refuses."""
from __future__ import annotations

import io

import segno
from markupsafe import Markup


def qr_svg(data: str, *, title: str = "") -> Markup:
    """An ``<svg>`` element encoding ``data``.

    Sized by a viewBox (no width/height) so CSS decides how large it prints; colours are SVG
    presentation attributes, never ``style=`` (the CSP forbids inline styles). Error correction M
    survives a crease or a smudge on a paper slip.
    """
    # One fixed mask pattern: choosing the best of eight costs four times as long (a tower's print sheet
    # draws hundreds), and every reader decodes any of the eight (the tests decode the printed codes).
    qr = segno.make(data, error="m", micro=False, mask=0)
    out = io.BytesIO()
    qr.save(out, kind="svg", xmldecl=False, svgns=True, nl=False, omitsize=True, border=2,
            svgclass="qr", lineclass=None, title=title or None, dark="#000", light="#fff")
    # segno escapes the title; the rest is numbers and fixed markup.
    return Markup(out.getvalue().decode("utf-8"))
