"""Extracting, updating and compiling the translation catalogues with Babel's own API; no external tools."""
from __future__ import annotations

import os
import tomllib
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir, pathmatch
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

REPO_ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = Path(__file__).resolve().parent / "translations"
MAPPING_FILE = REPO_ROOT / "babel.cfg"
DOMAIN = "messages"
PROJECT = "Sunshine Property Portal"
# The msgids are English, so English needs no catalogue. The Chinese one lives in "zh", not "zh_CN":
# Babel parses the zh_CN setting into zh_Hans_CN, and gettext then looks only in zh_Hans_CN/ and zh/.
CATALOG_LOCALES = ("zh",)
# Babel's defaults (_, gettext, ngettext, pgettext, ...) plus Flask-Babel's lazy variants (imported as _l).
KEYWORDS = {
    **DEFAULT_KEYWORDS,
    "_l": None,
    "lazy_gettext": None,
    "lazy_ngettext": (1, 2),
    "lazy_pgettext": ((1, "c"), 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
HEADER_COMMENT = """\
# Translations of the Sunshine Property Portal (阳光物业评价公示平台).
# The msgids are the English source strings. Refresh this file with
# `flask --app wsgi translations update`, translate, then run
# `flask --app wsgi translations compile` and keep the .mo next to it."""


def _project_version() -> str:
    try:
        with (REPO_ROOT / "pyproject.toml").open("rb") as handle:
            return tomllib.load(handle)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "0"


def _directory_filter(root: Path, method_map: list[tuple[str, str]]):
    """Walk only the top-level folders babel.cfg names, skipping dot folders and caches.

    Babel's own default filter also skips every folder starting with "_", which would hide
    templates/_macros, so it is replaced here.
    """
    tops = {pattern.split("/", 1)[0] for pattern, method in method_map if method != "ignore"}
    ignored = [pattern for pattern, method in method_map if method == "ignore"]
    everywhere = any("*" in top for top in tops)

    def keep(path: str) -> bool:
        relative = Path(os.path.relpath(path, root))
        if relative.name.startswith(".") or relative.name == "__pycache__":
            return False
        if any(pathmatch(pattern, relative.as_posix()) for pattern in ignored):
            return False
        return everywhere or relative.parts[0] in tops

    return keep


def extract_template(root: Path = REPO_ROOT, mapping_file: Path = MAPPING_FILE) -> Catalog:
    """The message template: every translatable string in the sources babel.cfg names."""
    with mapping_file.open(encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, str(mapping_file))
    template = Catalog(project=PROJECT, version=_project_version(), charset="utf-8", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
        directory_filter=_directory_filter(root, method_map),
    ):
        template.add(message, None, [(filename.replace(os.sep, "/"), lineno)], auto_comments=comments, context=context)
    return template


def _new_catalog(locale: str) -> Catalog:
    return Catalog(
        locale=locale,
        domain=DOMAIN,
        header_comment=HEADER_COMMENT,
        project=PROJECT,
        version=_project_version(),
        language_team=f"{locale} <{locale}@li.org>",
        last_translator="Sunshine Property Portal team",
        charset="utf-8",
        fuzzy=False,
    )


def update_catalogs(
    directory: Path = TRANSLATIONS,
    locales: tuple[str, ...] = CATALOG_LOCALES,
    template: Catalog | None = None,
    keep_obsolete: bool = False,
) -> list[Path]:
    """Merge freshly extracted messages into each locale's messages.po (created when missing).

    Existing translations are kept; a changed msgid gets a fuzzy guess from its nearest old
    translation, which compile_catalogs ignores until a translator confirms it. Messages that
    left the sources are dropped unless ``keep_obsolete``.
    """
    if template is None:
        template = extract_template()
    present = {path.parent.parent.name for path in directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    written = []
    for locale in sorted(set(locales) | present):
        po_path = directory / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
        if po_path.exists():
            with po_path.open("rb") as handle:
                catalog = read_po(handle, locale=locale, domain=DOMAIN)
        else:
            po_path.parent.mkdir(parents=True, exist_ok=True)
            catalog = _new_catalog(locale)
        # Keep POT-Creation-Date as it was, so an update that finds nothing new changes nothing.
        catalog.update(template, update_creation_date=False)
        partial = po_path.with_name(po_path.name + ".partial")
        with partial.open("wb") as handle:
            # File names without line numbers: the catalogue changes only when a message does.
            write_po(handle, catalog, width=76, ignore_obsolete=not keep_obsolete, include_lineno=False)
        partial.replace(po_path)
        written.append(po_path)
    return written


def untranslated(catalog: Catalog) -> list[str]:
    """Msgids whose translation is missing, empty or still fuzzy (fuzzy ones are not compiled)."""
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def compile_catalogs(directory: Path = TRANSLATIONS) -> list[Path]:
    """Compile every messages.po under ``directory`` into the messages.mo next to it (fuzzy entries left out)."""
    written = []
    for po_path in sorted(directory.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        with po_path.open("rb") as handle:
            catalog = read_po(handle)
        mo_path = po_path.with_suffix(".mo")
        with mo_path.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo_path)
    return written
