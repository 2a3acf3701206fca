"""The parts of an .xlsx read within limits: the ZIP's directory, the workbook, its shared strings and styles.

Nothing is unpacked before ``check_container`` has checked the ZIP's directory (entries, each part's
declared size and compression ratio); ``parse_part`` then feeds a part to expat in CHUNK pieces
while counting the bytes it really unpacks, since a declared size may lie. The shared strings are
counted, measured one by one and altogether. ``portal.roster.xlsx`` reads the sheet itself.
"""
from __future__ import annotations

import posixpath
import struct
import zipfile
import zlib
from typing import Callable, Iterator
from xml.parsers import expat

from flask_babel import lazy_gettext as _l

from portal.roster import limits

CHUNK = 1 << 16
DAMAGED = _l("The Excel file cannot be read: save it again as .xlsx or CSV.")


# The elements the handlers act on, by local name; a handler looks the tag up once and branches on the code.
CELL, VALUE, INLINE, TEXT, PHONETIC, ROW, STRING = range(1, 8)
TAG_CODES = {"c": CELL, "v": VALUE, "is": INLINE, "t": TEXT, "rPh": PHONETIC, "row": ROW, "si": STRING}


def prefixed_code(tag: str) -> int | None:
    """The code of a prefixed tag ("x:c"): rare, so handlers try the plain name first."""
    return TAG_CODES.get(tag.rpartition(":")[2])


class Refused(Exception):
    """The workbook is damaged or breaks a limit; ``message`` says which (a lazy string)."""

    def __init__(self, message, row: int | None = None):
        super().__init__(str(message))
        self.message = message
        self.row = row


def _mb(size: int) -> int:
    return size // limits.MiB


def _too_large(part: str, limit: int) -> Refused:
    return Refused(_l("The file is too large once unpacked (%(part)s: more than %(limit)s MB); split the roster "
                      "into several files.", part=posixpath.basename(part), limit=_mb(limit)))


# -- the container -----------------------------------------------------------------------------

def declared_entries(path) -> int | None:
    """The entry count of the ZIP's end-of-directory record, read before zipfile builds its list.

    None when no record is found (zipfile then reports the damage); 0xFFFF means "see ZIP64", which
    no roster needs.
    """
    with open(path, "rb") as handle:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(max(0, size - (22 + 0xFFFF)))
        tail = handle.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        return None
    return struct.unpack("<H", tail[at + 10:at + 12])[0]


def check_container(path) -> None:
    """Refuse before unpacking: not a ZIP, not a workbook, too many parts, a part too large or too packed."""
    entries = declared_entries(path)
    if entries is not None and entries > limits.MAX_ZIP_ENTRIES:
        raise Refused(_l("The workbook holds too many parts (more than %(limit)s); save it again from Excel or "
                         "upload CSV.", limit=limits.MAX_ZIP_ENTRIES))
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused(_l("The file looks like an Excel file but is damaged: save it again as .xlsx or CSV."))
    if len(infos) > limits.MAX_ZIP_ENTRIES:
        raise Refused(_l("The workbook holds too many parts (more than %(limit)s); save it again from Excel or "
                         "upload CSV.", limit=limits.MAX_ZIP_ENTRIES))
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        raise Refused(_l("This ZIP file is not an Excel workbook (.xlsx)."))
    for info in infos:
        limit = _part_limit(info.filename)
        if info.file_size > limit:
            raise _too_large(info.filename, limit)
        if info.file_size > limits.RATIO_FLOOR and info.file_size > limits.MAX_RATIO * max(info.compress_size, 1):
            raise Refused(_l("The workbook is packed suspiciously tightly (%(part)s unpacks to more than %(ratio)s "
                             "times its size); save it again from Excel or upload CSV.",
                             part=posixpath.basename(info.filename), ratio=limits.MAX_RATIO))


def _part_limit(name: str) -> int:
    # The parts the reader opens get tighter limits again while they are unpacked (MAX_SMALL_PART_BYTES
    # for the workbook, relationships and styles); parts it never opens may not be larger than a sheet.
    return limits.MAX_SHARED_STRINGS_BYTES if name.startswith("xl/sharedStrings") else limits.MAX_SHEET_BYTES


def parse_part(archive: zipfile.ZipFile, name: str, limit: int, parser, after_chunk: Callable[[], Iterator] | None = None):
    """Feed one part to ``parser`` in CHUNK pieces, counting the unpacked bytes against ``limit``."""
    unpacked = 0
    try:
        with archive.open(name) as stream:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                unpacked += len(chunk)
                if unpacked > limit:
                    raise _too_large(name, limit)
                parser.Parse(chunk, False)
                if after_chunk is not None:
                    yield from after_chunk()
            parser.Parse(b"", True)
            if after_chunk is not None:
                yield from after_chunk()
    except (expat.ExpatError, zipfile.BadZipFile, zlib.error, EOFError, OSError, KeyError, NotImplementedError,
            RuntimeError, ValueError) as error:
        raise Refused(DAMAGED) from error


def new_parser(start, end=None, text=None):
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.buffer_size = CHUNK
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    if text is not None:
        parser.CharacterDataHandler = text

    def no_doctype(*_args):
        # Workbooks never declare a DOCTYPE; refusing it rules out entity expansion altogether.
        raise Refused(DAMAGED)

    parser.StartDoctypeDeclHandler = no_doctype
    parser.EntityDeclHandler = no_doctype
    return parser


def _local(name: str) -> str:
    return name.rpartition(":")[2]


def _read_small(archive: zipfile.ZipFile, name: str, start) -> None:
    for _ in parse_part(archive, name, limits.MAX_SMALL_PART_BYTES, new_parser(start)):
        pass


# -- workbook structure ------------------------------------------------------------------------

class Workbook:
    """Where the first worksheet, the shared strings and the styles are, and the date epoch."""

    def __init__(self, archive: zipfile.ZipFile):
        sheets: list[str] = []
        self.date1904 = False

        def on_workbook(name, attrs):
            local = _local(name)
            if local == "sheet":
                rel = next((v for k, v in attrs.items() if _local(k) == "id"), None)
                if rel:
                    sheets.append(rel)
            elif local == "workbookPr":
                self.date1904 = attrs.get("date1904") in ("1", "true")

        rels: dict[str, tuple[str, str]] = {}

        def on_rels(name, attrs):
            if _local(name) == "Relationship" and "Id" in attrs and "Target" in attrs:
                rels[attrs["Id"]] = (attrs.get("Type", ""), attrs["Target"])

        names = set(archive.namelist())
        _read_small(archive, "xl/workbook.xml", on_workbook)
        if "xl/_rels/workbook.xml.rels" not in names:
            raise Refused(DAMAGED)
        _read_small(archive, "xl/_rels/workbook.xml.rels", on_rels)

        def target(rel_type: str, rel_id: str | None = None) -> str | None:
            for key, (kind, where) in rels.items():
                if (rel_id is None or key == rel_id) and kind.rpartition("/")[2] == rel_type:
                    path = where.lstrip("/") if where.startswith("/") else posixpath.normpath(posixpath.join("xl", where))
                    return path if path in names else None
            return None

        self.sheet = next((found for found in (target("worksheet", rel) for rel in sheets) if found), None)
        if self.sheet is None:
            raise Refused(DAMAGED)
        self.shared_strings = target("sharedStrings")
        self.styles = target("styles")


def date_styles_of(archive: zipfile.ZipFile, name: str | None) -> set[int]:
    """Indices of the cell formats that show a number as a date or time (openpyxl turns those into datetime)."""
    if name is None:
        return set()
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    custom: dict[int, str] = {}
    formats: list[int] = []
    depth = {"cellXfs": False}

    def start(tag, attrs):
        local = _local(tag)
        if local == "numFmt" and attrs.get("numFmtId", "").isdigit():
            custom[int(attrs["numFmtId"])] = attrs.get("formatCode", "")
        elif local == "cellXfs":
            depth["cellXfs"] = True
        elif local == "xf" and depth["cellXfs"]:
            number = attrs.get("numFmtId", "0")
            formats.append(int(number) if number.isdigit() else 0)

    def end(tag):
        if _local(tag) == "cellXfs":
            depth["cellXfs"] = False

    for _ in parse_part(archive, name, limits.MAX_SMALL_PART_BYTES, new_parser(start, end)):
        pass
    return {index for index, number in enumerate(formats)
            if is_date_format(custom.get(number) or BUILTIN_FORMATS.get(number) or "")}


def shared_strings_of(archive: zipfile.ZipFile, name: str | None) -> list[str]:
    """Every shared string, refused past MAX_SHARED_STRINGS, MAX_SHARED_TEXT or MAX_CELL_CHARS."""
    strings: list[str] = []
    if name is None:
        return strings
    code_of = TAG_CODES.get
    parts: list[str] | None = None   # the runs of the <si> being read
    text: list[str] | None = None    # where character data goes, if anywhere
    length = total = phonetic = 0

    def start(tag, attrs):
        nonlocal parts, text, length, phonetic
        code = code_of(tag) or (prefixed_code(tag) if ":" in tag else None)
        if code == STRING:
            if len(strings) >= limits.MAX_SHARED_STRINGS:
                raise Refused(_l("The workbook holds more than %(limit)s different texts; split the roster into "
                                 "several files.", limit=limits.MAX_SHARED_STRINGS))
            parts, length = [], 0
        elif code == TEXT:
            if parts is not None and not phonetic:
                text = parts
        elif code == PHONETIC:
            phonetic += 1  # phonetic guides are not part of the cell's text

    def end(tag):
        nonlocal parts, text, phonetic
        code = code_of(tag) or (prefixed_code(tag) if ":" in tag else None)
        if code == TEXT:
            text = None
        elif code == STRING:
            strings.append("".join(parts or ()))
            parts = None
        elif code == PHONETIC:
            phonetic -= 1

    def characters(data):
        nonlocal length, total
        if text is None:
            return
        length += len(data)
        total += len(data)
        if length > limits.MAX_CELL_CHARS:
            raise Refused(_l("A text in the workbook is longer than %(limit)s characters; a roster cell holds at "
                             "most a few dozen.", limit=limits.MAX_CELL_CHARS))
        if total > limits.MAX_SHARED_TEXT:
            raise Refused(_l("The workbook's texts are too long altogether (more than %(limit)s characters); split "
                             "the roster into several files.", limit=limits.MAX_SHARED_TEXT))
        text.append(data)

    for _ in parse_part(archive, name, limits.MAX_SHARED_STRINGS_BYTES, new_parser(start, end, characters)):
        pass
    return strings
