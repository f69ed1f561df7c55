from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow


class EmailStatus(StrEnum):
    none = "none"  # in-app only: no address, reminders switched off, or mail disabled
    pending = "pending"
    sending = "sending"  # claimed by one sweep; reclaimable if that sweep died
    sent = "sent"
    failed = "failed"  # retried by the next sweep, up to MAIL_MAX_ATTEMPTS


class Notification(db.Model):
    """One message to one user: a reminder or escalation of a due item, or a staff digest.

    It is always shown in the app (the notification centre) and, where email_status is not
    ``none``, also sent by email. The database sends it once: a second insert of the same
    (due item, rule, user) — a second run, or a second app server running the same sweep —
    violates a unique constraint and is dropped.
    """

    __tablename__ = "notification"
    __table_args__ = (
        db.UniqueConstraint("due_item_id", "rule", "user_id", name="uq_notification_once"),
        # Digests have no due item (NULLs never collide): one per user and digest rule.
        Index(
            "uq_notification_digest_once",
            "user_id",
            "rule",
            unique=True,
            sqlite_where=text("due_item_id IS NULL"),
            postgresql_where=text("due_item_id IS NULL"),
        ),
        # The header's unread count and the notification centre's list.
        Index("ix_notification_user_unread", "user_id", "read_at"),
        # The sweep's outbox: what still has to be emailed.
        Index("ix_notification_email_status", "email_status"),
        CheckConstraint("email_attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), index=True)
    due_item_id: Mapped[int | None] = mapped_column(ForeignKey("due_item.id"))
    # "before:14", "on_day", "after:7", "escalation", "digest:2026-05-01"
    rule: Mapped[str] = mapped_column(String(40))
    as_of: Mapped[date]  # the day of the sweep that created it
    # What the message says, kept as data so each reader sees it in their own language.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    email_status: Mapped[EmailStatus] = mapped_column(enum_type(EmailStatus, "email_status"), default=EmailStatus.none)
    email_to: Mapped[str | None] = mapped_column(String(254))
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_last_attempt_at: Mapped[datetime | None]
    email_sent_at: Mapped[datetime | None]
    email_last_error: Mapped[str | None] = mapped_column(Text)

    user: Mapped["User"] = relationship()  # noqa: F821
    project: Mapped["Project | None"] = relationship()  # noqa: F821
    due_item: Mapped["DueItem | None"] = relationship()  # noqa: F821
