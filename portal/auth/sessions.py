"""Flask-Login wiring: session identity carries the user's session token; API tokens for non-browser clients."""
from __future__ import annotations

from flask import Flask, jsonify, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from portal.extensions import db, login_manager


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.login_message_category = "info"
    # "strong" protection kills sessions on IP/UA changes (mobile networks switch often) and
    # fights remember-me; our session token already ends old sessions, so keep "basic".
    login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(identity: str):
    from portal.auth.models import User

    user_id, _, token = identity.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or not user.session_token_matches(token):
        return None
    return user


@login_manager.request_loader
def load_user_from_token(req):
    """Bearer tokens authenticate API calls only, and only inside the token's own tenant."""
    if not req.path.startswith("/api/"):
        return None
    header = req.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    from portal.api.tokens import user_for_token

    return user_for_token(header[len("Bearer "):].strip())


@login_manager.unauthorized_handler
def unauthorized():
    from flask import flash
    from flask_babel import gettext as _

    if request.path.startswith("/api/"):
        response = jsonify({"error": {"code": "unauthorized", "message": _("Authentication required.")}})
        response.status_code = 401
        response.headers["WWW-Authenticate"] = "Bearer"
        return response
    flash(_("Please sign in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
