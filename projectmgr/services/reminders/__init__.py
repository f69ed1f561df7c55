"""Reminders, escalations and the staff digest (issue 6): the system chases due items for the staff.

The daily sweep queues notifications (``queue_reminders``, ``queue_digests``; ``queue``) in its own
transaction, then, after its commit, emails them (``deliver_pending``; ``outbox``), in the words of
``messages``. Each notification is a row whose (due item, rule, user) is unique in the database: a
second run, or a second app server running the same sweep at the same time, inserts the same row,
hits the constraint inside a SAVEPOINT and moves on, so every message exists, and is sent, once.
``inbox`` is what users read of them.
"""

from .inbox import mark_all_read, mark_read, notifications_of, project_messages, set_email_reminders, unread_count
from .messages import language_of, render
from .outbox import Delivery, deliver_pending
from .queue import queue_digests, queue_expiry_notice, queue_reminders

__all__ = [
    "Delivery",
    "deliver_pending",
    "language_of",
    "mark_all_read",
    "mark_read",
    "notifications_of",
    "project_messages",
    "queue_digests",
    "queue_expiry_notice",
    "queue_reminders",
    "render",
    "set_email_reminders",
    "unread_count",
]
