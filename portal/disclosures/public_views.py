"""Public notice-board pages (no sign-in): the board of a community, its history, one version with the
difference from the version it replaced, the chain's verification, the A4 poster, and the open-data exports.

A published version never changes, so a board page is a function of its boards' head hashes (plus today,
for deadlines): that key is the page's ETag (a repeat visit gets 304 without a render) and the key of this
process's render cache; the page cache in front of the app (portal/public_pages.py) serves anonymous repeats.
"""
from __future__ import annotations

import csv
import io
import json
import threading

import sqlalchemy as sa
from flask import Response, abort, g, make_response, render_template, request, session
from flask_babel import gettext as _
from flask_login import current_user

from portal.communities.models import Community
from portal.communities.services import local_today
from portal.disclosures import services
from portal.disclosures.models import BoardVersion, NoticeBoard
from portal.disclosures.public import EXPORT_COLUMNS, board_views, diff, export_rows, page_key
from portal.disclosures.views import bp
from portal.extensions import db
from portal.guards import get_scoped_or_404
from portal.i18n import current_locale_code
from portal.listing import paginate
from portal.objections import services as objection_services
from portal.owners.qr import qr_svg
from portal.public_pages import public_response
from portal.public_url import public_url_for

_RENDERED: dict[tuple, bytes] = {}
_RENDERED_MAX = 1024
_lock = threading.Lock()


def _anonymous() -> bool:
    """Only an anonymous visitor with an empty session gets the shared page (a member's page shows their menu)."""
    return not current_user.is_authenticated and not session


def _not_modified(etag: str):
    """304 for an anonymous visitor who already holds this page (None otherwise)."""
    if _anonymous() and etag in request.if_none_match:
        response = Response(status=304)
        response.set_etag(etag)
        return response
    return None


def _cached_render(key: tuple, render) -> bytes:
    if not _anonymous():
        return render().encode("utf-8")
    body = _RENDERED.get(key)
    if body is None:
        body = render().encode("utf-8")
        with _lock:
            if len(_RENDERED) >= _RENDERED_MAX:
                _RENDERED.clear()
            _RENDERED[key] = body
    return body


def _html(body: bytes, etag: str | None = None):
    response = make_response(body)
    response.mimetype = "text/html"
    if etag:
        response.set_etag(etag)
    return public_response(response) if _anonymous() else response


@bp.get("/board/<int:community_id>/")
def public_board(community_id: int):
    """The notice board of a community: the current firm's board, then earlier firms' (no sign-in)."""
    community = get_scoped_or_404(Community, community_id)
    today = local_today()
    objections = objection_services.public_board_context(community.id, today, current_user)
    key = page_key(community, today, current_locale_code()) + objections.stamp
    not_modified = _not_modified(key)
    if not_modified is not None:
        return not_modified
    body = _cached_render((g.tenant.id, g.tenant.name_zh, g.tenant.name_en, key), lambda: render_template(
        "disclosures/public_board.html", community=community, views=board_views(community, today), today=today,
        objections=objections))
    return _html(body, key)


@bp.get("/board/<int:community_id>/history")
def public_history(community_id: int):
    """Every published version of the community's boards, newest first."""
    community = get_scoped_or_404(Community, community_id)
    stmt = (sa.select(BoardVersion).join(NoticeBoard, NoticeBoard.id == BoardVersion.board_id)
            .where(NoticeBoard.community_id == community.id)
            .order_by(BoardVersion.published_at.desc(), BoardVersion.id.desc()))
    page = paginate(stmt)
    boards = {b.id: b for b in services.boards_of_community(community.id)}
    return _html(render_template("disclosures/history.html", community=community, page=page, boards=boards).encode())


@bp.get("/boards/<int:board_id>/versions/<int:seq>")
def public_version(board_id: int, seq: int):
    """One published version, side by side with the version of the same section it replaced."""
    board = get_scoped_or_404(NoticeBoard, board_id)
    version = services.version_by_seq(board, seq)
    if version is None:
        abort(404)
    etag = f"{version.hash[:40]}-{current_locale_code()}"
    not_modified = _not_modified(etag)
    if not_modified is not None:
        return not_modified
    previous = services.previous_of(version)
    lines = diff(version.section, json.loads(previous.content) if previous else None, json.loads(version.content))
    community = db.session.get(Community, board.community_id)
    body = _cached_render((g.tenant.id, "v", version.hash, current_locale_code()), lambda: render_template(
        "disclosures/version.html", board=board, version=version, previous=previous, lines=lines,
        community=community))
    return _html(body, etag)


@bp.get("/board/<int:community_id>/verify")
def public_verify(community_id: int):
    """Recompute the hash chain of each of the community's boards and name the first broken link."""
    community = get_scoped_or_404(Community, community_id)
    results = services.verify_boards(services.boards_of_community(community.id))
    return _html(render_template("disclosures/verify.html", community=community, results=results).encode())


@bp.get("/board/<int:community_id>/poster")
def public_poster(community_id: int):
    """An A4 poster for the physical notice board: the key facts and a QR code to the online board."""
    community = get_scoped_or_404(Community, community_id)
    link = public_url_for("disclosures.public_board", community_id=community.id)
    views = board_views(community)
    return _html(render_template("disclosures/poster.html", community=community, view=views[0] if views else None,
                                 link=link, qr=qr_svg(link, title=_("QR code: the online notice board"))).encode())


def _export(rows, name: str, board_format: str):
    if board_format == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly only with a BOM
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(EXPORT_COLUMNS)
        for row in rows:
            writer.writerow([_safe(v) for v in row])
        response = make_response(buffer.getvalue().encode("utf-8"))
        response.mimetype = "text/csv"
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("boards")
        sheet.append(list(EXPORT_COLUMNS))
        for row in rows:
            sheet.append([_safe(v) for v in row])
        out = io.BytesIO()
        workbook.save(out)
        response = make_response(out.getvalue())
        response.mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{board_format}"'
    return public_response(response)


def _safe(value):
    """A value a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "@", "-")):
        return "'" + value
    return value


@bp.get("/board/<int:community_id>/export.<any(csv, xlsx):board_format>")
def public_export(community_id: int, board_format: str):
    """Open data: the newest version of every section of the community's boards, one value a line."""
    community = get_scoped_or_404(Community, community_id)
    return _export(list(export_rows([community.id])), f"board-{community.id}", board_format)


@bp.get("/boards/export.<any(csv, xlsx):board_format>")
def public_export_all(board_format: str):
    """Open data: every board of the tenant (newest version of each section)."""
    return _export(list(export_rows()), f"boards-{g.tenant.slug}", board_format)
