"""Crafted roster files (ZIP bombs, a row of 185 MiB, a lying ZIP, a sea of cells, an endless line) are
refused after bounded work: within 10 s (of CPU) and 300 MB of peak memory, with a message naming the rule.

Each bomb is generated here into a temporary folder and read in a child process, so that its peak
memory is its own (the child reads its VmHWM from /proc); the route tests then send one
through the upload page and the API and check that nothing changed.
"""
from __future__ import annotations

import json
import os
import random
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import table_snapshot
from tests.factories import World
from tests.portal.pages import page_text
from tests.portal.roster.test_api_cli import post_roster
from tests.portal.roster.test_import_pages import upload
from tests.routewalk import changed_tables, db_state

MiB = 1 << 20
# The bound is asserted on the child's CPU time, the work the file causes: on a shared machine its
# wall time also counts the wait for a free core (both are printed; alone, they are about equal).
SECONDS = 10
WALL_CEILING = 60
PEAK_RSS_MB = 300
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = ["楼栋", "单元", "房号", "楼层", "建筑面积"]

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
PACKAGE_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
                f'<Relationship Id="rId1" Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            '<sheet name="roster" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
                 f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
                 f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
                 '</Relationships>')


def _inline(column: str, row: int, text: str) -> str:
    return f'<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = '<row r="1">' + "".join(_inline(c, 1, t) for c, t in zip("ABCDE", HEADER)) + "</row>"


def write_workbook(path: Path, sheet_rows, shared_strings=None) -> Path:
    """A minimal .xlsx (openpyxl reads it too) whose sheet and shared strings are streamed from generators."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        with archive.open("xl/sharedStrings.xml", "w") as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
            for chunk in shared_strings or ():
                out.write(chunk.encode())
            out.write(b"</sst>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as out:
            out.write(f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'.encode())
            out.write(HEADER_ROW.encode())
            for chunk in sheet_rows:
                out.write(chunk.encode())
            out.write(b"</sheetData></worksheet>")
    return path


def _noisy_text(rng: random.Random, size: int, every: int) -> str:
    """``size`` characters of runs of one letter, 8 random hex digits every ``every``: it deflates some 400-fold."""
    parts = []
    while size > 0:
        parts.append("楼" * (every // 3) if rng.random() < 0.5 else "A" * every)
        parts.append(f"{rng.getrandbits(32):08x}")
        size -= every + 8
    return "".join(parts)


def _tiny_strings(rng: random.Random, size: int):
    """~``size`` bytes of <si> elements, nearly all the same short text, one in fifty a random one."""
    common = "<si><t>101</t></si>" * 49
    written = 0
    while written < size:
        chunk = "".join(f"{common}<si><t>{rng.getrandbits(32):08x}</t></si>" for _ in range(800))
        written += len(chunk)
        yield chunk


ONE_ROW = ['<row r="2"><c r="A2" t="s"><v>0</v></c><c r="C2" t="s"><v>1</v></c><c r="E2"><v>80</v></c></row>']


def shared_strings_bomb(folder: Path) -> Path:
    """(a) one row, and a shared-strings part of ~9 million short texts: ~185 MiB unpacked from ~2 MB."""
    return write_workbook(folder / "shared-strings-bomb.xlsx", ONE_ROW, _tiny_strings(random.Random(1), 185 * MiB))


def _row_bomb_rows(rng: random.Random):
    piece = _noisy_text(rng, MiB, 6600)
    yield '<row r="2">' + _inline("A", 2, "1号楼") + '<c r="C2" t="inlineStr"><is><t>'
    for _ in range(185):
        yield piece
    yield "</t></is></c></row>"


def row_bomb(folder: Path) -> Path:
    """(b) row 2 holds one cell of ~185 MiB of text, from ~465 KB."""
    return write_workbook(folder / "row-bomb.xlsx", _row_bomb_rows(random.Random(2)))


def lying_zip(folder: Path) -> Path:
    """(c) the shared-strings bomb, its part's declared size rewritten to 40 MiB in both ZIP headers.

    40 MiB passes the directory check (size and ratio): the limits applied while reading must stop it.
    """
    path = write_workbook(folder / "lying-zip.xlsx", ONE_ROW, _tiny_strings(random.Random(3), 185 * MiB))
    declared = 40 * MiB
    name = b"xl/sharedStrings.xml"
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(name.decode()).header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    struct.pack_into("<I", data, local + 22, declared)
    central = 0
    while True:
        central = data.find(b"PK\x01\x02", central + 1)
        assert central > 0
        length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + length] == name:
            break
    struct.pack_into("<I", data, central + 24, declared)
    path.write_bytes(bytes(data))
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(name.decode()).file_size == declared  # the lie as a reader sees it
    return path


def cells_bomb(folder: Path) -> Path:
    """(d) 25,000 rows of 60 numeric cells: 1.5 million cells in ~5 MB."""
    columns = [(chr(64 + i // 26) if i >= 26 else "") + chr(65 + i % 26) for i in range(60)]

    def rows():
        for number in range(2, 25002):
            yield f'<row r="{number}">' + "".join(f'<c r="{c}{number}"><v>{(number * 7 + i) % 97}</v></c>'
                                                  for i, c in enumerate(columns)) + "</row>"

    return write_workbook(folder / "cells-bomb.xlsx", rows())


def csv_line_bomb(folder: Path) -> Path:
    """(e) a CSV whose second line is 9.5 MB of one-character cells (4.75 million of them)."""
    path = folder / "line-bomb.csv"
    with open(path, "wb") as out:
        out.write(",".join(HEADER).encode() + b"\r\n")
        out.write(b"1," * (19 * MiB // 4) + b"\r\n")
    return path


BOMBS = {
    "shared strings": (shared_strings_bomb, "文件解压后过大"),
    "row of 185 MiB": (row_bomb, "文件解压后过大"),
    "lying zip": (lying_zip, "不同的文本"),
    "sea of cells": (cells_bomb, "单元格过多"),
    "endless line": (csv_line_bomb, "超过 4096 个字符"),
}

# The child reads the file as a preview does (sniff, rows, header, cells) and reports the outcome.
CHILD = r"""
import json, sys, time
from flask_babel import force_locale
from portal import create_app
from portal.config import TestConfig
from portal.roster import parsing

config = TestConfig()
config.SQLALCHEMY_DATABASE_URI = "sqlite://"
config.finalise(sys.argv[2])
app = create_app(config)
path = parsing.Path(sys.argv[1])
with app.app_context(), force_locale("zh"):
    started, cpu_started = time.perf_counter(), time.process_time()
    outcome, message, rows = "processed", "", 0
    try:
        info = parsing.sniff(path)
        header = None
        for number, cells in parsing.raw_rows(path, info):
            if header is None:
                header, _problems = parsing.parse_header(cells)
                continue
            parsing.read_row(number, cells, header)
            rows += 1
    except parsing.FileProblem as problem:
        outcome, message = "refused", str(problem.message)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
# VmHWM: this process's own peak resident memory (getrusage would include what the parent had at fork).
with open("/proc/self/status") as status:
    peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
print(json.dumps({"outcome": outcome, "message": message, "rows": rows, "seconds": seconds,
                  "cpu_seconds": cpu_seconds, "peak_rss_mb": peak}))
"""


def read_in_child(path: Path, instance: Path, timeout: float = 60) -> dict:
    """Run CHILD on ``path``: its outcome, message, seconds and peak RSS (killed after ``timeout``)."""
    env = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[3]))
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path), str(instance)], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        peak = _peak_rss_mb(child.pid)  # still running: read its high-water mark before ending it
        child.kill()
        child.communicate()
        return {"outcome": f"killed after {timeout:.0f}s", "message": "", "seconds": time.perf_counter() - started,
                "cpu_seconds": float("nan"), "peak_rss_mb": peak}
    if child.returncode != 0:
        return {"outcome": f"child ended with {child.returncode}", "message": err.decode()[-2000:],
                "seconds": time.perf_counter() - started, "cpu_seconds": float("nan"), "peak_rss_mb": float("nan")}
    return json.loads(out.decode().strip().splitlines()[-1])


def _peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as status:
            return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return float("nan")


def test_every_bomb_is_refused_quickly_in_little_memory(tmp_path, capsys):
    worst_seconds = worst_cpu = worst_rss = 0.0
    failures = []
    for label, (make, message) in BOMBS.items():
        path = make(tmp_path)
        size = path.stat().st_size
        assert size <= 10 * 1000 * 1000, (label, size)  # every one fits under the upload limit
        result = read_in_child(path, tmp_path / "instance")
        worst_seconds = max(worst_seconds, result["seconds"])
        worst_cpu = max(worst_cpu, result["cpu_seconds"])
        # A killed child has no figure (nan): the worst case then is unknown, and the line says so.
        worst_rss = result["peak_rss_mb"] if result["peak_rss_mb"] != result["peak_rss_mb"] else max(
            worst_rss, result["peak_rss_mb"]) if worst_rss == worst_rss else worst_rss
        with capsys.disabled():
            print(f"\n  {label}: {size / 1e6:.2f} MB -> {result['outcome']} in {result['seconds']:.2f}s "
                  f"(CPU {result.get('cpu_seconds', float('nan')):.2f}s), "
                  f"peak RSS {result['peak_rss_mb']:.0f} MB: {result['message'][:120]}")
        if not (result["outcome"] == "refused" and message in result["message"]
                and result["cpu_seconds"] <= SECONDS and result["seconds"] <= WALL_CEILING
                and result["peak_rss_mb"] <= PEAK_RSS_MB):
            failures.append((label, result))
        path.unlink()
    with capsys.disabled():
        print(f"\nupload_bomb seconds={worst_seconds:.2f} peak_rss_mb={worst_rss:.0f}")
        print(f"upload_bomb_cpu seconds={worst_cpu:.2f}")
    assert not failures, failures


def test_a_genuine_workbook_still_reads_in_the_child(tmp_path):
    """The yardstick: a plain roster of 2,000 rows goes through the same child untouched."""
    rows = (f'<row r="{n}">' + _inline("A", n, "1号楼") + _inline("C", n, str(100 + n)) + f'<c r="E{n}"><v>88.5</v></c>'
            "</row>" for n in range(2, 2002))
    result = read_in_child(write_workbook(tmp_path / "genuine.xlsx", rows), tmp_path / "instance")
    assert (result["outcome"], result["rows"]) == ("processed", 2000), result


# -- the routes: the page and the API refuse with the rule's name and change nothing ------------------

@pytest.fixture(scope="module")
def bomb_bytes(tmp_path_factory) -> bytes:
    return shared_strings_bomb(tmp_path_factory.mktemp("bomb")).read_bytes()


def test_the_upload_page_refuses_a_bomb_in_chinese(app, world: World, client_as, bomb_bytes):
    from tenants.roles import Role

    admin = client_as(Role.BUREAU_ADMIN, "a")
    before, state = table_snapshot(app), db_state(app)
    page = upload(admin, world, bomb_bytes, name="roster.xlsx")
    assert page.status_code == 400
    assert "文件解压后过大（sharedStrings.xml 超过 48 MB）" in page_text(page.text)
    assert 'name="upload"' not in page.text
    assert table_snapshot(app) == before and changed_tables(state, db_state(app)) == []


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_the_api_refuses_a_bomb_naming_the_rule(app, world: World, bomb_bytes, dry_run):
    before, state = table_snapshot(app), db_state(app)
    response = post_roster(app, world.a, bomb_bytes, name="roster.xlsx", dry_run=dry_run)
    assert response.status_code in (200, 422), response.status_code  # dry run: a preview listing the problem
    body = response.json
    preview = body.get("preview", body)
    assert preview["valid"] is False
    reasons = [problem["reason"] for problem in preview["errors"]]
    assert any("too large once unpacked" in reason and "sharedStrings.xml" in reason for reason in reasons), reasons
    assert table_snapshot(app) == before and changed_tables(state, db_state(app)) == []


def test_a_csv_with_too_many_columns_is_refused_naming_the_row(app, world: World, client_as):
    from tenants.roles import Role
    from tests.portal.pages import in_english

    admin = in_english(client_as(Role.BUREAU_ADMIN, "a"))
    data = (",".join(HEADER) + "\r\n" + "1," * 100 + "\r\n").encode()
    page = upload(admin, world, data)
    assert page.status_code == 400
    assert "Row 2 has too many cells (more than 64)" in page_text(page.text)

