"""The caller's notifications (reminders, escalations, digests) and their email-reminder switch."""

from flask import request

from ..models import Notification
from ..schemas import Body
from ..services import reminders
from ..services.project_view import day, instant
from .core import paginate, tagged_route

route = tagged_route("notifications")


class EmailRemindersIn(Body):
    enabled: bool


def notification_json(n: Notification) -> dict:
    language = reminders.language_of(n.user)
    subject, text = reminders.render(n, language)
    return {
        "id": n.id,
        "rule": n.rule,
        "project_id": n.project_id,
        "due_item_id": n.due_item_id,
        "as_of": day(n.as_of),
        "details": n.details,
        "subject": subject,
        "body": text,
        "language": language,
        "read": n.read_at is not None,
        "read_at": instant(n.read_at),
        "email_status": n.email_status.value,
        "email_sent_at": instant(n.email_sent_at),
    }


@route("/notifications", query={"unread": "1: unread only", "page": "", "per_page": ""})
def list_notifications(user):
    """The caller's notifications, newest first (unread=1: unread only); subject and body in their language"""
    query = reminders.notifications_of(user, unread_only=request.args.get("unread") == "1")
    result = paginate(query, lambda row: notification_json(row[0]))
    result["unread"] = reminders.unread_count(user)
    return result


@route("/notifications/<int:notification_id>/read", "POST")
def read_notification(user, notification_id: int):
    """Mark one of the caller's notifications read"""
    return notification_json(reminders.mark_read(user, notification_id))


@route("/notifications/read-all", "POST")
def read_all_notifications(user):
    """Mark all the caller's notifications read"""
    return {"marked": reminders.mark_all_read(user)}


@route("/me/email-reminders", "PUT")
def put_email_reminders(user, data: EmailRemindersIn):
    """Switch the caller's email reminders on or off (escalations are emailed regardless)"""
    reminders.set_email_reminders(user, data.enabled)
    return {"email_reminders": user.email_reminders}
