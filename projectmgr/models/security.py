from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import utcnow


class SecurityEvent(db.Model):
    """The security audit log (安全审计, issue 13 item 7): one row per sign-in, refusal, account
    change, export or import. Written in the same transaction as what it records (refusals in
    their own); the app never updates or deletes a row (only `audit prune`, past the retention).
    Chained like the project history (projectmgr.audit.chain)."""

    __tablename__ = "security_event"
    # AUTOINCREMENT on SQLite too: a pruned id is never given to a new row.
    __table_args__ = (Index("ix_security_event_event_at", "event", "at"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(80))  # as typed at a failed sign-in too
    address: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    event: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))  # success, failure, refused
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))


class SecuritySettings(db.Model):
    """The password and lockout settings the security officer holds (issue 13 item 6): one row
    (id 1) once they have saved the page; until then, and for any column left empty, the app's
    configuration gives the value (PASSWORD_MIN_LENGTH … LOCKOUT_MINUTES). Each change is recorded
    as a `settings.change` security event with the old and new values."""

    __tablename__ = "security_settings"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    password_min_length: Mapped[int | None]
    password_history: Mapped[int | None]
    password_max_age_days: Mapped[int | None]
    lockout_threshold: Mapped[int | None]
    lockout_window_minutes: Mapped[int | None]
    lockout_minutes: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
