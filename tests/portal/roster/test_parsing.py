"""Reading roster files without the database: encodings, header names, cell rules."""
from __future__ import annotations

from decimal import Decimal

import pytest

from portal.roster import parsing
from portal.roster.parsing import FileProblem


@pytest.mark.parametrize("data, codec, label", [
    ("楼栋,房号,建筑面积\r\n1号楼,101,88.5\r\n".encode("utf-8"), "utf-8", "UTF-8"),
    (b"\xef\xbb\xbf" + "楼栋,房号,建筑面积\r\n".encode("utf-8"), "utf-8-sig", "UTF-8 (BOM)"),
    ("楼栋,房号,建筑面积\r\n1号楼,101,88.5\r\n".encode("gbk"), "gbk", "GBK"),
    # 𠀀 (CJK extension B) exists in GB18030 but not in GBK.
    ("楼栋,房号,建筑面积\r\n𠀀楼,101,88.5\r\n".encode("gb18030"), "gb18030", "GB18030"),
    (b"building,room,floor_area\r\n1,101,88.5\r\n", "utf-8", "UTF-8"),
])
def test_encoding_is_detected_and_named(tmp_path, data, codec, label):
    path = tmp_path / "r.csv"
    path.write_bytes(data)
    info = parsing.sniff(path)
    assert (info.kind, info.codec, info.label) == ("csv", codec, label)


def test_detection_streams_past_the_first_chunk(tmp_path):
    """A GBK character after the first megabyte still switches the file to GBK."""
    path = tmp_path / "r.csv"
    path.write_bytes(b"building,room,floor_area\r\n" + b"1,101,88.5\r\n" * 200_000 + "小区楼栋,1,1\r\n".encode("gbk"))
    assert parsing.sniff(path).label == "GBK"


def test_a_bom_file_with_broken_utf8_names_the_line(tmp_path):
    path = tmp_path / "r.csv"
    path.write_bytes(b"\xef\xbb\xbfbuilding,room,floor_area\r\n1,101,88.5\r\n1,\xff,1\r\n")
    with pytest.raises(FileProblem) as caught:
        parsing.sniff(path)
    assert caught.value.row == 3 and "line 3" in str(caught.value.message)


@pytest.mark.parametrize("cells, fields", [
    (["楼栋", "单元", "房号", "楼层", "建筑面积"], ["building", "entrance", "room", "floor", "floor_area"]),
    (["Building", "Room", "Floor Area"], ["building", "room", "floor_area"]),
    (["楼号", "房间号", "建筑面积(㎡)", None, ""], ["building", "room", "floor_area"]),
    (["\ufeff楼栋", "房号", "面积（m²）"], ["building", "room", "floor_area"]),
])
def test_header_names_in_chinese_or_english(cells, fields):
    header, problems = parsing.parse_header(cells)
    assert problems == [] and list(header.columns.values()) == fields


def test_header_problems_name_the_column():
    header, problems = parsing.parse_header(["楼栋", "楼栋", "", "房号", "面积", "颜色"])
    assert header is None
    reasons = [str(p.reason) for p in problems]
    assert 'The column "楼栋" appears twice.' in reasons
    assert "Column C has no header name." in reasons
    assert any(r.startswith('Unknown column "颜色"') for r in reasons)


@pytest.mark.parametrize("value, expected", [
    ("88.5", Decimal("88.5")), ("88.50", Decimal("88.50")), (88.5, Decimal("88.5")), (100, Decimal("100")),
    ("9999.99", Decimal("9999.99")), (0.01, Decimal("0.01")),
])
def test_good_areas(value, expected):
    assert parsing._area(value) == (expected, None)


@pytest.mark.parametrize("value, words", [
    ("0", "more than 0"), ("-1", "more than 0"), ("10000", "less than 10,000"), ("88.555", "2 decimal places"),
    ("88,5", "must be a number"), ("1e3", "must be a number"), ("NaN", "must be a number"), ("八十", "must be a number"),
    (88.123, "2 decimal places"), (True, "must be a number"),
])
def test_bad_areas(value, words):
    area, reason = parsing._area(value)
    assert area is None and words in str(reason)


@pytest.mark.parametrize("cells, fields", [
    (["building", "unit", "room", "floor", "area"], ["building", "entrance", "room", "floor", "floor_area"]),
    (["ｂｕｉｌｄｉｎｇ", "Unit No", "ＲＯＯＭ", "建筑面积（㎡）"], ["building", "entrance", "room", "floor_area"]),
])
def test_english_unit_and_full_width_headers(cells, fields):
    header, problems = parsing.parse_header(cells)
    assert problems == [] and list(header.columns.values()) == fields


def test_an_unknown_header_lists_every_accepted_name():
    _header, problems = parsing.parse_header(["楼栋", "房号", "面积", "颜色"])
    (reason,) = [str(p.reason) for p in problems]
    assert "颜色" in reason and "单元/单元号/entrance/unit/unit_no" in reason


@pytest.mark.parametrize("value, expected", [("９０．５", Decimal("90.5")), ("８８．５０", Decimal("88.50")),
                                             (" ９０ ", Decimal("90"))])
def test_full_width_areas_are_read_after_nfkc(value, expected):
    assert parsing._area(value) == (expected, None)


@pytest.mark.parametrize("value", ["٣", "٩٠.٥", "९०"])
def test_digits_of_other_scripts_are_not_an_area(value):
    area, reason = parsing._area(value)
    assert area is None and "must be a number" in str(reason)


def test_full_width_floor_and_room_are_normalised():
    header, _ = parsing.parse_header(["楼栋", "房号", "楼层", "建筑面积"])
    cells, problems = parsing.read_row(2, ["１号楼", "１０１", "－１", "９０．５"], header)
    assert problems == [] and (cells.building, cells.room, cells.floor, cells.floor_area) == ("1号楼", "101", -1,
                                                                                                Decimal("90.5"))


@pytest.mark.parametrize("room", ["101🏠", "1\u20e3", "10\ufe0f1", "10\U0001f3fb1", "10\ue0001"])
def test_room_names_with_emoji_or_symbols_are_refused(room):
    header, _ = parsing.parse_header(["楼栋", "房号", "建筑面积"])
    cells, problems = parsing.read_row(2, ["1号楼", room, "90"], header)
    assert cells is None and [p.field for p in problems] == ["room"]


@pytest.mark.parametrize("head, name", [(b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff\xe0", "JPEG image"),
                                        (b"%PDF-1.4", "PDF document"), (b"GIF89a", "GIF image")])
def test_a_file_is_named_by_its_content_not_its_extension(tmp_path, head, name):
    path = tmp_path / "roster.xlsx"
    path.write_bytes(head + b"\x00" * 64)
    with pytest.raises(FileProblem) as caught:
        parsing.sniff(path, "roster.xlsx")
    assert f"This file is actually a {name}" in str(caught.value.message)


def test_text_named_xlsx_is_read_as_csv_with_a_note(tmp_path):
    path = tmp_path / "roster.xlsx"
    path.write_bytes("楼栋,房号,建筑面积\r\n1号楼,101,88.5\r\n".encode("utf-8"))
    info = parsing.sniff(path, "Roster.XLSX")
    assert info.kind == "csv" and "actually CSV text" in str(info.note) and ".xlsx" in str(info.note)
    assert parsing.sniff(path, "roster.csv").note is None
