"""What an uploaded roster really is (XLSX or CSV and its encoding, whatever its name says), and the
character rules of its cells."""
from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from flask_babel import lazy_gettext as _l

from portal.roster import limits, xlsx

CHUNK = 1 << 20

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


class FileProblem(Exception):
    """The file as a whole cannot be read (empty, binary, unknown encoding, not a spreadsheet)."""

    def __init__(self, message, row: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.row = row


@dataclass(frozen=True)
class SourceInfo:
    """What the sniffing found: ``kind`` is "csv" or "xlsx"; ``codec`` the Python codec for CSV."""

    kind: str
    codec: str | None
    label: str
    note: object = None  # said on the preview: the file is not what its name claims


# -- format and encoding -----------------------------------------------------------------------

def sniff(path: Path, filename: str = "") -> SourceInfo:
    """Tell CSV from XLSX by content (never by the file name) and detect a CSV file's encoding; a file
    whose name lies about its format is told what it actually is."""
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    if not head:
        raise FileProblem(_l("The file is empty."))
    if (actual := real_format(head)) is not None:
        raise FileProblem(_l("This file is actually %(format)s, not a roster: upload the roster as CSV or XLSX.",
                             format=actual))
    if head.startswith(b"PK\x03\x04"):
        try:
            xlsx.check_container(path)
        except xlsx.Refused as refused:
            raise FileProblem(refused.message, row=refused.row) from refused
        return SourceInfo("xlsx", None, "XLSX")
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileProblem(_l("Old Excel files (.xls) are not supported: save the sheet as .xlsx or as CSV."))
    if _looks_like_html(path):
        raise FileProblem(_l("This file is a web page (HTML), not CSV or XLSX. If it came from an \"Excel export\", "
                             "open it in Excel and save it as .xlsx or CSV."))
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileProblem(_l("UTF-16 text is not supported: save the file as CSV (UTF-8) or CSV (GBK)."))
    if path.stat().st_size > limits.MAX_CSV_BYTES:
        raise FileProblem(_l("The file is larger than %(limit)s MB. Split the roster into several files.",
                             limit=limits.MAX_CSV_BYTES // limits.MiB))
    codec, label = detect_encoding(path)
    note = None
    if claims_spreadsheet(filename):
        note = _l("This file is actually CSV text, although its name ends in .%(extension)s; it is read as CSV.",
                  extension=filename.rsplit(".", 1)[-1].lower())
    return SourceInfo("csv", codec, label, note)


def _looks_like_html(path: Path) -> bool:
    with open(path, "rb") as handle:
        start = handle.read(1024).lstrip(codecs.BOM_UTF8).lstrip().lower()
    return start.startswith(b"<") and any(tag in start for tag in (b"<html", b"<!doctype", b"<table", b"<head", b"<body"))


def detect_encoding(path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM), else GBK, else GB18030; streamed in chunks, never read whole.

    Raises FileProblem naming the line with the first byte that none of them can decode, and for
    binary content (NUL bytes), which no spreadsheet writes into a CSV file.
    """
    with open(path, "rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    candidates = [("utf-8-sig", "UTF-8 (BOM)")] if bom else [("utf-8", "UTF-8"), ("gbk", "GBK"), ("gb18030", "GB18030")]
    failure_line = None
    for codec, label in candidates:
        # The BOM is skipped here, so the decoder's error positions are positions in the file's lines.
        line = _first_bad_line(path, "utf-8" if bom else codec, skip=3 if bom else 0)
        if line is None:
            return codec, label
        failure_line = line if failure_line is None else max(failure_line, line)
    if bom:
        raise FileProblem(_l("The file says it is UTF-8 but line %(line)s is not valid UTF-8.", line=failure_line),
                          row=failure_line)
    raise FileProblem(_l("Line %(line)s is neither UTF-8 nor GBK/GB18030 text: save the file as CSV (UTF-8) "
                         "and try again.", line=failure_line), row=failure_line)


def _first_bad_line(path: Path, codec: str, skip: int = 0) -> int | None:
    decoder = codecs.getincrementaldecoder(codec)(errors="strict")
    lines_before = 0
    with open(path, "rb") as handle:
        handle.seek(skip)
        while True:
            chunk = handle.read(CHUNK)
            final = not chunk
            if b"\x00" in chunk:
                raise FileProblem(_l("This is a binary file, not CSV text: upload a CSV or XLSX roster."))
            pending = len(decoder.getstate()[0])  # bytes of a character cut at the previous chunk's end
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as error:
                return lines_before + chunk.count(b"\n", 0, max(error.start - pending, 0)) + 1
            if final:
                return None
            lines_before += chunk.count(b"\n")
