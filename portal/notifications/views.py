"""The inbox: one's notifications in this tenant, newest first; mark read (one or all); e-mail preference.
The header's bell (a link with the unread count) is on every tenant page."""
from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.domain import apply_to_form
from portal.extensions import db
from portal.guards import tenant_permission
from portal.i18n import is_safe_next
from portal.listing import paginate
from portal.notifications import services
from portal.notifications.forms import ButtonForm, PreferencesForm
from portal.notifications.services import NotificationError
from portal.permissions import Action

bp = Blueprint("notifications", __name__, url_prefix="/t/<tenant_slug>")


@bp.app_context_processor
def _bell():
    def unread_notifications() -> int | None:
        """The bell's count for the signed-in member of the page's tenant (None: no bell on this page)."""
        if g.get("tenant") is None or not g.get("memberships") or not current_user.is_authenticated:
            return None
        if "unread_notifications" not in g:
            g.unread_notifications = services.unread_count(current_user.id)
        return g.unread_notifications

    return {"unread_notifications": unread_notifications}


@bp.get("/notifications/")
@tenant_permission(Action.VIEW_NOTIFICATIONS)
def inbox():
    """The member's notifications here, newest first (``?unread=1``: only the unread ones)."""
    unread_only = request.args.get("unread") == "1"
    return _render(unread_only, PreferencesForm(data={"email": current_user.notify_by_email,
                                                      "locale": current_user.locale or "zh_CN"}))


def _render(unread_only: bool, preferences: PreferencesForm, status: int = 200):
    page = paginate(services.mine(current_user.id, unread_only=unread_only))
    items = [services.describe(n) for n in page.items]
    return render_template("notifications/inbox.html", page=page, items=items, unread_only=unread_only,
                           button=ButtonForm(), preferences=preferences,
                           unread=services.unread_count(current_user.id)), status


@bp.post("/notifications/<int:notification_id>/read")
@tenant_permission(Action.VIEW_NOTIFICATIONS)
def read(notification_id: int):
    """Mark one's own notification read; with ``open``, go on to its page. Someone else's is a 404."""
    notification = services.own_or_none(current_user.id, notification_id)
    if notification is None:
        abort(404)
    if not ButtonForm().validate_on_submit():
        abort(400)
    services.mark_read(tenant=g.tenant, actor=current_user, notification=notification)
    db.session.commit()
    link = services.link_path(notification)
    if request.form.get("open") and link:
        return redirect(link, 303)
    back = request.form.get("next")
    return redirect(back if is_safe_next(back) else url_for("notifications.inbox"), 303)


@bp.post("/notifications/read-all")
@tenant_permission(Action.VIEW_NOTIFICATIONS)
def read_all():
    if not ButtonForm().validate_on_submit():
        abort(400)
    count = services.mark_all_read(tenant=g.tenant, actor=current_user)
    db.session.commit()
    flash(_("%(n)s notifications marked as read.", n=count) if count else _("Nothing was unread."), "success")
    return redirect(url_for("notifications.inbox"), 303)


@bp.post("/notifications/preferences")
@tenant_permission(Action.VIEW_NOTIFICATIONS)
def preferences():
    form = PreferencesForm()
    if form.validate_on_submit():
        try:
            services.set_preferences(actor=current_user, email=form.email.data, locale=form.locale.data)
        except NotificationError as error:
            db.session.rollback()
            apply_to_form(form, error, fallback="locale")
        else:
            db.session.commit()
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.inbox"), 303)
    return _render(False, form, 400)
