"""Personal data out of public texts: masking for the draft, and the check that refuses to publish.

The rules (each with the words the editor is shown):
- ``mobile``: a mainland mobile number (1[3-9] and nine digits, spaces or dashes allowed, +86 too);
- ``landline``: a number with an area code (0 and 2–3 digits, then 7–8 digits);
- ``id_number``: a resident identity card number (18 characters, the last a digit or X; or the old 15 digits);
- ``unit``: a building, entrance or room: 3栋, 3号楼, 2单元, 501室, 3栋2单元501, 3-2-501;
- ``name``: the name of the person who reported it (the owner's account name, the caller's name), and their
  surname with a form of address (王女士, 王先生, 王师傅…).
"""
from __future__ import annotations

import re
from typing import Iterable

from flask_babel import lazy_gettext as _l

MASK = "**"
_NUM = r"[0-9０-９一二三四五六七八九十零〇两]{1,4}"
_ADDRESS_FORMS = "先生|女士|小姐|师傅|阿姨|大爷|大妈|老师|同志"

PATTERNS: dict[str, list[re.Pattern]] = {
    "id_number": [re.compile(r"(?<![0-9A-Za-z])\d{17}[0-9Xx](?![0-9A-Za-z])"),
                  re.compile(r"(?<![0-9A-Za-z])\d{15}(?![0-9A-Za-z])")],
    "mobile": [re.compile(r"(?<!\d)(?:\+?86[\s-]?)?1[3-9]\d[\s-]?\d{4}[\s-]?\d{4}(?!\d)")],
    "landline": [re.compile(r"(?<!\d)\(?0\d{2,3}\)?[\s-]?\d{7,8}(?!\d)")],
    "unit": [re.compile(rf"{_NUM}\s*(?:号楼|栋|幢|座)(?:\s*{_NUM}\s*单元)?(?:\s*{_NUM}\s*(?:室|号)?)?"),
             re.compile(rf"{_NUM}\s*单元(?:\s*{_NUM}\s*(?:室|号)?)?"),
             re.compile(r"(?<![\d-])\d{1,3}-\d{1,2}-\d{3,4}(?![\d-])"),
             re.compile(r"(?<!\d)\d{3,4}\s*室")],
}


def rule_label(code: str):
    return {"mobile": _l("a mobile number"), "landline": _l("a landline number"),
            "id_number": _l("an ID card number"), "unit": _l("a building, entrance or room number (栋/单元/室)"),
            "name": _l("the name of the person who reported it")}[code]


def _name_patterns(names: Iterable[str]) -> list[re.Pattern]:
    patterns = []
    for name in {n.strip() for n in names if n and len(n.strip()) >= 2}:
        patterns.append(re.compile(re.escape(name)))
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
            patterns.append(re.compile(re.escape(name[0]) + f"(?:{_ADDRESS_FORMS})"))
    return patterns


def mask(text: str, names: Iterable[str] = ()) -> str:
    """``text`` with every personal detail of the rules replaced by ``**``."""
    text = text or ""
    for pattern in _name_patterns(names):
        text = pattern.sub(MASK, text)
    for patterns in PATTERNS.values():
        for pattern in patterns:
            text = pattern.sub(MASK, text)
    return text


def findings(text: str, names: Iterable[str] = ()) -> list[str]:
    """The codes of the rules ``text`` still breaks, in a fixed order."""
    text = text or ""
    found = [code for code, patterns in PATTERNS.items() if any(p.search(text) for p in patterns)]
    if any(p.search(text) for p in _name_patterns(names)):
        found.append("name")
    return found
