"""What an uploaded roster really is, whatever its name says, and the character rules of its cells."""
from __future__ import annotations

import unicodedata

from flask_babel import lazy_gettext as _l

# Signatures of files people upload by mistake (a photo of the roster, a PDF print, an archive), read
# from the first bytes. The name's extension is never trusted: a ".xlsx" may be any of these.
SIGNATURES: tuple[tuple[bytes, object], ...] = (
    (b"\x89PNG\r\n\x1a\n", _l("a PNG image")),
    (b"\xff\xd8\xff", _l("a JPEG image")),
    (b"GIF87a", _l("a GIF image")),
    (b"GIF89a", _l("a GIF image")),
    (b"%PDF-", _l("a PDF document")),
    (b"Rar!\x1a\x07", _l("a RAR archive")),
    (b"7z\xbc\xaf\x27\x1c", _l("a 7-Zip archive")),
    (b"\x1f\x8b", _l("a gzip archive")),
)
HEAD_BYTES = 8
SPREADSHEET_EXTENSIONS = (".xlsx", ".xlsm", ".xls")

# Characters no building, entrance or room name holds, beyond the invisible ones every text field
# refuses: pictographs and emoji (So, Sk: "🏠", the skin-tone modifiers), enclosing marks (Me: the
# keycap of "1⃣"), private-use and unassigned code points, and the emoji presentation selectors. They print as boxes on slips and break matching.
_SYMBOL_CATEGORIES = frozenset({"So", "Sk", "Me", "Co", "Cn"})
_VARIATION_SELECTORS = frozenset({"\ufe0e", "\ufe0f"})


def real_format(head: bytes):
    """The name of the non-spreadsheet format ``head`` (a file's first bytes) starts with, or None."""
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return name
    return None


def claims_spreadsheet(filename: str) -> bool:
    return (filename or "").lower().endswith(SPREADSHEET_EXTENSIONS)


def normalise_cell(text: str) -> str:
    """NFKC, so full-width digits and punctuation typed with a Chinese input method ("９０．５", "１０１")
    read as their ASCII forms before any rule is checked."""
    return unicodedata.normalize("NFKC", text)


def symbol_char(text: str) -> str | None:
    """The first emoji or other pictograph in ``text``, or None."""
    for char in text:
        if char in _VARIATION_SELECTORS or (not char.isascii() and unicodedata.category(char) in _SYMBOL_CATEGORIES):
            return char
    return None


def symbol_message(char: str):
    return _l("Remove the symbol %(char)s (%(code)s): building, entrance and room names take letters, digits and "
              "punctuation only.", char=char, code=f"U+{ord(char):04X}")
