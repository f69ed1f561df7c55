"""What a user reads of their notifications: the notification centre, the unread count, the
email-reminder switch, and the log of what was sent about a project."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from ...errors import NotFound
from ...extensions import db
from ...models import Project, User
from ...models.base import utcnow
from ...models.notification import Notification


def unread_count(user: User) -> int:
    return db.session.scalar(
        select(func.count(Notification.id)).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    )


def notifications_of(user: User, unread_only: bool = False):
    query = select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.id.desc())


def mark_read(user: User, notification_id: int) -> Notification:
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    if notification.read_at is None:
        notification.read_at = utcnow()
    db.session.flush()
    return notification


def mark_all_read(user: User) -> int:
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def set_email_reminders(user: User, enabled: bool) -> None:
    user.email_reminders = enabled
    db.session.flush()


def project_messages(project: Project, limit: int = 200) -> list[Notification]:
    """The log of what was sent about a project, newest first (for staff on the project page)."""
    return list(
        db.session.scalars(
            select(Notification)
            .options(joinedload(Notification.user))
            .where(Notification.project_id == project.id)
            .order_by(Notification.id.desc())
            .limit(limit)
        )
    )
