"""The notification centre (reminders, escalations, digests), the email-reminder switch, the unread
count in the header and the sent-message log on the project page."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..extensions import db
from ..models import Project
from ..permissions import can_see_project_messages
from ..services import reminders
from ..summary_cache import cached
from . import apply, bp, int_arg, next_url
from .forms import EmptyForm

PER_PAGE = 50


@bp.app_context_processor
def _unread_notifications():
    """The header's count for signed-in users: one COUNT per data version and user (every new
    notification and every one marked read is a write, so the count is never old)."""
    if not current_user or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    user = current_user._get_current_object()
    return {"unread_notifications": cached(("unread_notifications", user.id), lambda: reminders.unread_count(user))}


@bp.app_template_global()
def notification_text(notification) -> tuple[str, str]:
    """(subject, body) in the reader's language."""
    language = str(get_locale() or "zh")
    return reminders.render(notification, language)


@bp.app_template_global()
def project_messages(project: Project):
    """The messages sent about a project: staff only (None hides the section)."""
    if not can_see_project_messages(current_user, project):
        return None
    return reminders.project_messages(project)


@bp.route("/notifications")
@login_required
def notifications():
    unread_only = request.args.get("unread") == "1"
    page = int_arg("page", 1)
    rows = db.paginate(
        reminders.notifications_of(current_user, unread_only), page=page, per_page=PER_PAGE, error_out=False
    )
    return render_template(
        "web/notifications.html", rows=rows, unread_only=unread_only, form=EmptyForm(), user=current_user
    )


def _act(change) -> bool:
    """A button's POST on the notifications page: the CSRF check, then the change in one commit."""
    form = EmptyForm()
    return form.validate_on_submit() and apply(form, change)


def _back():
    return redirect(next_url(url_for("web.notifications")))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read_notification(notification_id: int):
    _act(lambda: reminders.mark_read(current_user, notification_id))
    return _back()


@bp.route("/notifications/read-all", methods=["POST"])
@login_required
def read_all_notifications():
    _act(lambda: reminders.mark_all_read(current_user))
    return _back()


@bp.route("/settings/email-reminders", methods=["POST"])
@login_required
def email_reminders():
    enabled = request.form.get("enabled") == "1"
    if _act(lambda: reminders.set_email_reminders(current_user, enabled)):
        flash(_("Email reminders are on.") if enabled else _("Email reminders are off."), "success")
    return _back()
