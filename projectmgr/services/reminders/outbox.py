"""Delivery: emailing the queued notifications, each claimed by one sweep, marked sent or failed."""

from __future__ import annotations

import socket
import threading
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_mail import Message
from sqlalchemy import and_, or_, select, update

from ...extensions import db, mail
from ...models.base import utcnow
from ...models.notification import EmailStatus, Notification
from .messages import language_of, render

# A sweep that died after claiming a message leaves it "sending"; a later sweep takes it over.
CLAIM_EXPIRES = timedelta(minutes=15)


@dataclass
class Delivery:
    sent: list[Notification] = field(default_factory=list)
    failed: list[Notification] = field(default_factory=list)


def _claimable(max_attempts: int):
    return and_(
        Notification.email_attempts < max_attempts,
        or_(
            Notification.email_status.in_([EmailStatus.pending, EmailStatus.failed]),
            and_(
                Notification.email_status == EmailStatus.sending,
                Notification.email_last_attempt_at < utcnow() - CLAIM_EXPIRES,
            ),
        ),
    )


_SOCKET_TIMEOUT_LOCK = threading.Lock()


def deliver_pending(limit: int = 1000) -> Delivery:
    """Email what is queued or failed before. Run after the sweep's commit: this one commits
    per message (an outbox), so a message is claimed by exactly one sweep before it is sent,
    and a failed send is recorded, never raised, and retried by the next run."""
    report = Delivery()
    if not current_app.config.get("MAIL_ENABLED"):
        return report
    max_attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 5)
    ids = db.session.scalars(
        select(Notification.id).where(_claimable(max_attempts)).order_by(Notification.id).limit(limit)
    ).all()
    db.session.commit()
    # Flask-Mail opens its SMTP connection without a timeout: bound it, so that a mail server that
    # accepts and then hangs fails this message (to be retried) instead of stalling the sweep.
    # The default timeout is process-wide: one delivery loop at a time per process sets and restores it.
    with _SOCKET_TIMEOUT_LOCK:
        previous_timeout = socket.getdefaulttimeout()
        socket.setdefaulttimeout(current_app.config.get("MAIL_TIMEOUT", 30))
        try:
            for notification_id in ids:
                _deliver_one(notification_id, max_attempts, report)
        finally:
            socket.setdefaulttimeout(previous_timeout)
    return report


def _deliver_one(notification_id: int, max_attempts: int, report: Delivery) -> None:
    """Claim one message (so that no other sweep sends it), send it, record the outcome."""
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, _claimable(max_attempts))
        .values(
            email_status=EmailStatus.sending,
            email_attempts=Notification.email_attempts + 1,
            email_last_attempt_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return  # another sweep has it
    notification = db.session.get(Notification, notification_id)
    try:
        subject_line, text = render(notification, language_of(notification.user))
        mail.send(Message(subject=subject_line, recipients=[notification.email_to], body=text))
    except Exception as exc:  # any failure of the mail server is recorded and retried, never raised
        notification.email_status = EmailStatus.failed
        notification.email_last_error = f"{type(exc).__name__}: {exc}"[:1000]
        report.failed.append(notification)
    else:
        notification.email_status = EmailStatus.sent
        notification.email_sent_at = utcnow()
        notification.email_last_error = None
        report.sent.append(notification)
    db.session.commit()
