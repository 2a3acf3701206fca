"""HTML pages for managing one's own API tokens (the secret is shown once, right after creation)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, g, render_template, url_for, redirect, flash
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.api import tokens as token_service
from portal.api.models import ApiToken
from portal.audit.services import record
from portal.extensions import db
from portal.forms import PortalForm
from portal.guards import tenant_permission
from portal.permissions import Action
from portal.validation import NoControlChars

bp = Blueprint("api_pages", __name__, url_prefix="/t/<tenant_slug>/account/tokens", template_folder=None)


class TokenForm(PortalForm):
    name = StringField(_l("Token name"), validators=[DataRequired(_l("Name the token, e.g. the program that will use it.")),
                                                      Length(max=80), NoControlChars()])


class RevokeForm(PortalForm):
    pass


def _own_tokens():
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == current_user.id)
                              .order_by(ApiToken.created_at.desc())).all()


@bp.route("/", methods=["GET", "POST"])
@tenant_permission(Action.USE_API_TOKENS)
def index():
    form = TokenForm()
    new_secret = None
    status = 200
    if form.validate_on_submit():
        token, new_secret = token_service.issue_token(tenant=g.tenant, user=current_user, name=form.name.data.strip())
        record(tenant=g.tenant, actor=current_user, action="api_token.created", object_type="api_token",
               object_id=token.id, summary=token.name)
        db.session.commit()
        form = TokenForm(formdata=None)
    elif form.errors:
        status = 400
    return render_template("api/tokens.html", form=form, tokens=_own_tokens(), new_secret=new_secret,
                           revoke_form=RevokeForm()), status


@bp.post("/<int:token_id>/revoke")
@tenant_permission(Action.USE_API_TOKENS)
def revoke(token_id: int):
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id))
    if token is None:
        from flask import abort

        abort(404)
    token_service.revoke_token(token)
    record(tenant=g.tenant, actor=current_user, action="api_token.revoked", object_type="api_token",
           object_id=token.id, summary=token.name)
    db.session.commit()
    flash(_("Token revoked."), "success")
    return redirect(url_for("api_pages.index"), 303)
