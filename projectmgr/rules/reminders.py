"""When a due item is reminded and escalated (issue 6). Pure functions: ``as_of`` is passed in.

The schedule of a due date D: ``before:N`` on D - N for each N of the settings (default 14 and 3),
``on_day`` on D, ``after:K`` on D + K for K = 7, 14, 21 … while the item stays open, and one
``escalation`` (to the bureau, not the owner) once it is very late (D + 14).

A run that missed days catches up with the latest rule whose day has come, never with the ones it
skipped: a job down for a week sends one reminder, not a flood.
"""

from __future__ import annotations

from datetime import date, timedelta

from .deadlines import days_overdue, is_very_late
from .settings import RuleSettings

ON_DAY = "on_day"
ESCALATION = "escalation"
# The sweep deemed the project failed: its acceptance application or rectification expired.
EXPIRED = "expired"


def before(days: int) -> str:
    return f"before:{days}"


def after(days: int) -> str:
    return f"after:{days}"


def digest(as_of: date) -> str:
    return f"digest:{as_of.isoformat()}"


def rule_kind(rule: str) -> str:
    """'before:14' -> 'before'; 'on_day' -> 'on_day'."""
    return rule.split(":", 1)[0]


def reminder_due(due_date: date, as_of: date, s: RuleSettings) -> str | None:
    """The latest reminder rule whose day has come on as_of, or None before the first one."""
    if as_of < due_date:
        started = [n for n in s.reminder_days_before if n > 0 and due_date - timedelta(days=n) <= as_of]
        return before(min(started)) if started else None
    every = s.reminder_every_days_after
    steps = days_overdue(due_date, as_of) // every if every > 0 else 0
    return after(steps * every) if steps else ON_DAY


def escalation_due(due_date: date, as_of: date, s: RuleSettings) -> bool:
    """Very late items go to the responsible staff member (and leaders for key tracking)."""
    return is_very_late(due_date, as_of, s)
