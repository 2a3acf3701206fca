"""Translations: the zh_CN catalogue is complete and compiled, pages switch language, error pages in both languages."""
from __future__ import annotations

import io
import re
import shutil
from urllib.parse import urlsplit

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from portal import create_app
from portal import config as portal_config
from portal.i18n import LANG_COOKIE
from portal.i18n_catalogs import TRANSLATIONS, extract_template, untranslated, update_catalogs
from tenants.roles import Role

# "zh", not "zh_CN": Babel turns the zh_CN setting into zh_Hans_CN, which gettext finds only as zh_Hans_CN/ or zh/.
PO_PATH = TRANSLATIONS / "zh" / "LC_MESSAGES" / "messages.po"
MO_PATH = PO_PATH.with_suffix(".mo")
# printf-style conversions, named or not; "%%" counts as one too, so a stray "%" shows up as a difference.
PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0 +-]*\d*(?:\.\d+)?[a-zA-Z%]")
HAN = re.compile(r"[\u4e00-\u9fff]")


def _key(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _strings(message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, (tuple, list)) else (message.string,)


def _as_dict(catalog: Catalog) -> dict:
    # read_mo gives a plural entry's id and strings as lists, read_po as tuples: compare them as tuples.
    def plain(value):
        return tuple(value) if isinstance(value, (list, tuple)) else value

    return {(message.context, plain(message.id)): plain(message.string) for message in catalog if message.id}


@pytest.fixture(scope="module")
def template() -> Catalog:
    """Messages extracted from the sources as they are now (not from the committed catalogue)."""
    return extract_template()


@pytest.fixture(scope="module")
def zh_catalog() -> Catalog:
    with PO_PATH.open("rb") as handle:
        return read_po(handle)


# --- the catalogue ----------------------------------------------------------------------------


def test_extraction_finds_python_and_template_strings(template):
    files = {location[0].split("/", 1)[0] for message in template for location in message.locations}
    assert {"portal", "tenants", "templates"} <= files
    ids = {_key(message) for message in template if message.id}
    # one from each kind of source: _() in Python, _l() lazily, a template, a macro in templates/_macros
    assert {"Token revoked.", "Owner", "Skip to content", "Please correct the marked fields."} <= ids


def test_every_source_string_has_a_chinese_translation(template, zh_catalog):
    missing = []
    for message in template:
        if not message.id:
            continue
        entry = zh_catalog.get(message.id, context=message.context)
        if entry is None or entry.fuzzy or not all(_strings(entry)):
            missing.append(_key(message))
    assert not missing, (
        "untranslated zh_CN messages (run `flask --app wsgi translations update`, translate, then `compile`):\n  "
        + "\n  ".join(missing)
    )


def test_catalogue_has_no_fuzzy_or_empty_entries(zh_catalog):
    assert zh_catalog.locale is not None and zh_catalog.locale.language == "zh"
    assert not zh_catalog.fuzzy, "the catalogue header is marked fuzzy"
    assert untranslated(zh_catalog) == []


def test_catalogue_has_no_stale_entries(template, zh_catalog):
    current = {(message.context, message.id) for message in template if message.id}
    stale = [_key(message) for message in zh_catalog if message.id and (message.context, message.id) not in current]
    assert not stale, "messages no longer in the sources (run `translations update`): " + "; ".join(stale)
    assert not zh_catalog.obsolete


def test_translations_keep_the_placeholders(zh_catalog):
    wrong = []
    for message in zh_catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (tuple, list)) else (message.id,)
        expected = sorted(PLACEHOLDER.findall(ids[0]))
        for string in _strings(message):
            if sorted(PLACEHOLDER.findall(string)) != expected or string.count("%") != ids[0].count("%"):
                wrong.append(f"{ids[0]!r} -> {string!r}")
    assert not wrong, "placeholders differ:\n  " + "\n  ".join(wrong)
    assert not list(zh_catalog.check()), "Babel's own checks failed"


def test_translations_are_chinese(zh_catalog):
    # Names of things that stay as they are in any language are the only exception.
    not_chinese = [_key(m) for m in zh_catalog if m.id and not any(HAN.search(s) for s in _strings(m))]
    assert not not_chinese, not_chinese


def test_template_strings_contain_no_markup(template, zh_catalog):
    """Jinja marks translated text as safe HTML, so a literal "<token>" in a template string would vanish."""
    bad = []
    for message in template:
        if not message.id or not any(path.startswith("templates/") for path, _line in message.locations):
            continue
        entry = zh_catalog.get(message.id, context=message.context)
        texts = [_key(message)] + (list(_strings(entry)) if entry is not None else [])
        bad += [text for text in texts if text and re.search(r"[<>&]", text)]
    assert not bad, "use a %(placeholder)s for markup-like text (its value is escaped): " + "; ".join(bad)


def test_committed_mo_matches_the_po(zh_catalog):
    fresh = io.BytesIO()
    write_mo(fresh, zh_catalog, use_fuzzy=False)
    fresh.seek(0)
    with MO_PATH.open("rb") as handle:
        committed = read_mo(handle)
    compiled = read_mo(fresh)
    assert _as_dict(committed) == _as_dict(compiled), "messages.mo is stale: run `flask --app wsgi translations compile`"
    assert dict(committed.mime_headers).get("Plural-Forms") == dict(compiled.mime_headers).get("Plural-Forms")


def test_role_labels_use_the_official_wording(app):
    """Also proves the app finds the catalogue for its zh_CN setting."""
    from flask_babel import force_locale

    with app.test_request_context("/"), force_locale("zh_CN"):
        labels = {role: str(role.label) for role in Role}
    assert labels[Role.BUREAU_ADMIN] == "住建局管理员"
    assert labels[Role.AREA_OFFICER] == "街道/社区工作人员"
    assert labels[Role.COMMITTEE_MEMBER] == "业委会成员"
    assert labels[Role.OWNER] == "业主"


# --- keeping the catalogue up to date -----------------------------------------------------------


def test_update_keeps_translations_adds_new_and_drops_removed(tmp_path, zh_catalog):
    target = tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    target.parent.mkdir(parents=True)
    shutil.copy(PO_PATH, target)
    kept = next(message for message in zh_catalog if message.id and not message.context)
    template = Catalog(fuzzy=False)
    template.add(kept.id, locations=[("portal/x.py", 1)])
    template.add("A brand-new message %(n)d", locations=[("portal/x.py", 2)], flags=["python-format"])

    assert update_catalogs(tmp_path, locales=("zh",), template=template) == [target]

    with target.open("rb") as handle:
        updated = read_po(handle)
    assert updated.get(kept.id).string == kept.string
    assert untranslated(updated) == ["A brand-new message %(n)d"]
    assert len([message for message in updated if message.id]) == 2
    assert not updated.obsolete


def test_update_creates_a_missing_catalogue(tmp_path):
    template = Catalog(fuzzy=False)
    template.add("Sign in", locations=[("templates/auth/login.html", 3)])
    (path,) = update_catalogs(tmp_path, locales=("zh",), template=template)
    with path.open("rb") as handle:
        created = read_po(handle)
    assert path == tmp_path / "zh" / "LC_MESSAGES" / "messages.po"
    assert created.locale.language == "zh" and not created.fuzzy
    assert untranslated(created) == ["Sign in"]


def test_translations_cli_has_update_and_compile(app):
    result = app.test_cli_runner().invoke(args=["translations", "--help"])
    assert result.exit_code == 0, result.output
    assert "update" in result.output and "compile" in result.output


# --- the language switch ----------------------------------------------------------------------


def _lang_cookie(client) -> str | None:
    cookie = client.get_cookie(LANG_COOKIE)
    return cookie.value if cookie is not None else None


def assert_chinese_login(response):
    assert response.status_code == 200
    assert '<html lang="zh-CN">' in response.text
    assert "<h1>登录</h1>" in response.text
    assert "Sign in" not in response.text


def assert_english_login(response):
    assert response.status_code == 200
    assert '<html lang="en">' in response.text
    assert "<h1>Sign in</h1>" in response.text
    assert "登录" not in response.text


def test_login_page_is_chinese_by_default(client):
    assert_chinese_login(client.get("/login"))


def test_switching_to_english_and_back(client):
    response = client.get("/lang/en?next=/login")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == "/login"
    assert _lang_cookie(client) == "en"
    assert_english_login(client.get("/login"))

    response = client.get("/lang/zh_CN?next=/login")
    assert response.status_code == 302
    assert _lang_cookie(client) == "zh_CN"
    assert_chinese_login(client.get("/login"))


def test_the_switch_link_on_a_page_leads_back_to_it(client):
    page = client.get("/login").text
    assert 'href="/lang/en?next=/login"' in page
    client.get("/lang/en?next=/login")
    assert 'href="/lang/zh_CN?next=/login"' in client.get("/login").text


@pytest.mark.parametrize("start", [None, "en"])
def test_unsupported_language_changes_nothing(client, start):
    if start:
        client.get(f"/lang/{start}?next=/login")
    response = client.get("/lang/xx?next=/login")
    assert response.status_code == 302
    assert LANG_COOKIE not in response.headers.get("Set-Cookie", "")
    assert _lang_cookie(client) == start
    page = client.get("/login")
    (assert_english_login if start == "en" else assert_chinese_login)(page)


@pytest.mark.parametrize(
    "unsafe",
    ["//evil.example", "https://evil.example", "http://evil.example/login", "/\\evil.example", "javascript:alert(1)", ""],
)
def test_unsafe_next_goes_to_the_start_page(client, unsafe):
    response = client.get("/lang/en", query_string={"next": unsafe})
    assert response.status_code == 302
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/"
    assert _lang_cookie(client) == "en"


# --- error pages --------------------------------------------------------------------------------

ERROR_TITLES = {
    404: ("页面不存在", "Page not found"),
    403: ("您无权执行此操作", "You are not allowed to do this"),
    500: ("系统内部出错", "Something went wrong on our side"),
}


def assert_error_page(response, status: int, lang: str) -> None:
    zh, en = ERROR_TITLES[status]
    assert response.status_code == status
    assert response.mimetype == "text/html"
    if lang == "en":
        assert '<html lang="en">' in response.text
        assert en in response.text and zh not in response.text
    else:
        assert '<html lang="zh-CN">' in response.text
        assert zh in response.text and en not in response.text


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_404_page_in_both_languages(client, lang):
    client.set_cookie(LANG_COOKIE, lang)
    assert_error_page(client.get("/no/such/page"), 404, lang)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_403_page_in_both_languages(client_as, world, lang):
    staff = client_as(Role.BUREAU_STAFF, "a")
    staff.set_cookie(LANG_COOKIE, lang)
    assert_error_page(staff.get(f"/t/{world.a.slug}/audit/"), 403, lang)


SECRET_DETAIL = "kaboom-internal-detail-7f3a"


@pytest.fixture(scope="module")
def failing_app(tmp_path_factory):
    """A separate app with a route that raises (the shared ``app`` must not gain routes once it has served)."""
    config = portal_config.TestConfig()
    config.finalise(str(tmp_path_factory.mktemp("i18n-instance")))
    application = create_app(config, TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @application.get("/__boom")
    def boom():
        raise RuntimeError(SECRET_DETAIL)

    return application


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_500_page_in_both_languages_shows_no_traceback(failing_app, lang, caplog):
    client = failing_app.test_client()
    client.set_cookie(LANG_COOKIE, lang)
    response = client.get("/__boom")
    assert_error_page(response, 500, lang)
    for leak in ("Traceback", SECRET_DETAIL, "RuntimeError", 'File "'):
        assert leak not in response.text
    # ...but it is in the log, for the people who fix it.
    assert any(record.exc_info and SECRET_DETAIL in str(record.exc_info[1]) for record in caplog.records)
