"""Due dates and lateness (DESIGN §7). ``as_of`` is always passed in, never read from a clock."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

from projectmgr.rules.settings import RuleSettings


def add_months(d: date, months: int) -> date:
    """Same day ``months`` later, clamped to the month's end (30 Nov + 3 -> 28/29 Feb)."""
    index = d.year * 12 + (d.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(d.day, last))


def acceptance_due(end_date: date, s: RuleSettings) -> date:
    """Acceptance application due: end date (after extension) + grace months."""
    return add_months(end_date, s.acceptance_grace_months)


def rectification_due(started_on: date, s: RuleSettings) -> date:
    return add_months(started_on, s.rectification_months)


def scoring_due(formed_on: date, s: RuleSettings) -> date:
    return formed_on + timedelta(days=s.scoring_days)


def annual_evaluation_due(year: int) -> date:
    return date(year, 11, 30)


def days_overdue(due_date: date, as_of: date) -> int:
    return max(0, (as_of - due_date).days)


def is_overdue(due_date: date, as_of: date) -> bool:
    """Overdue once the due date itself has passed; the due day is still on time."""
    return as_of > due_date


def is_very_late(due_date: date, as_of: date, s: RuleSettings) -> bool:
    return days_overdue(due_date, as_of) >= s.very_late_days


def max_extension_end(original_end: date, s: RuleSettings) -> date:
    return add_months(original_end, s.extension_max_months)
