from datetime import date

import pytest

from projectmgr.rules.deadlines import (
    acceptance_due,
    add_months,
    annual_evaluation_due,
    days_overdue,
    is_overdue,
    is_very_late,
    max_extension_end,
    rectification_due,
    scoring_due,
)
from projectmgr.rules.settings import RuleSettings

S = RuleSettings()


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 11, 30), 3, date(2027, 2, 28)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2023, 11, 30), 3, date(2024, 2, 29)),  # leap year
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 3, 31), 1, date(2024, 4, 30)),
        (date(2024, 1, 15), 0, date(2024, 1, 15)),
        (date(2024, 10, 15), 3, date(2025, 1, 15)),  # year rollover
        (date(2024, 12, 31), 12, date(2025, 12, 31)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),
        (date(2025, 1, 10), -1, date(2024, 12, 10)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_acceptance_due():
    assert acceptance_due(date(2026, 11, 30), S) == date(2027, 2, 28)
    assert acceptance_due(date(2026, 6, 30), RuleSettings(acceptance_grace_months=6)) == date(2026, 12, 30)


def test_rectification_due():
    assert rectification_due(date(2026, 3, 15), S) == date(2026, 6, 15)


def test_scoring_due():
    assert scoring_due(date(2026, 5, 1), S) == date(2026, 5, 15)
    assert scoring_due(date(2026, 12, 25), S) == date(2027, 1, 8)
    assert scoring_due(date(2026, 5, 1), RuleSettings(scoring_days=7)) == date(2026, 5, 8)


def test_annual_evaluation_due():
    assert annual_evaluation_due(2026) == date(2026, 11, 30)


def test_max_extension_end():
    assert max_extension_end(date(2026, 6, 30), S) == date(2027, 6, 30)
    assert max_extension_end(date(2027, 2, 28), S) == date(2028, 2, 28)
    assert max_extension_end(date(2028, 2, 29), S) == date(2029, 2, 28)


DUE = date(2027, 2, 28)


@pytest.mark.parametrize(
    ("as_of", "overdue", "days"),
    [
        (date(2027, 2, 27), False, 0),  # day before
        (date(2027, 2, 28), False, 0),  # on the due date: still on time
        (date(2027, 3, 1), True, 1),  # day after
        (date(2026, 1, 1), False, 0),
    ],
)
def test_overdue_around_due_date(as_of, overdue, days):
    assert is_overdue(DUE, as_of) is overdue
    assert days_overdue(DUE, as_of) == days


@pytest.mark.parametrize(
    ("as_of", "very_late"),
    [
        (date(2027, 3, 13), False),  # 13 days overdue
        (date(2027, 3, 14), True),  # 14 days overdue
        (date(2027, 3, 15), True),
        (date(2027, 2, 28), False),
    ],
)
def test_very_late(as_of, very_late):
    assert is_very_late(DUE, as_of, S) is very_late


@pytest.mark.parametrize(
    ("due_fn", "start", "due"),
    [
        (lambda d: acceptance_due(d, S), date(2026, 11, 30), date(2027, 2, 28)),
        (lambda d: rectification_due(d, S), date(2026, 8, 31), date(2026, 11, 30)),
        (lambda d: scoring_due(d, S), date(2026, 5, 1), date(2026, 5, 15)),
        (lambda _: annual_evaluation_due(2026), None, date(2026, 11, 30)),
    ],
)
def test_each_deadline_day_before_on_after(due_fn, start, due):
    assert due_fn(start) == due
    assert not is_overdue(due, date.fromordinal(due.toordinal() - 1))
    assert not is_overdue(due, due)
    assert is_overdue(due, date.fromordinal(due.toordinal() + 1))
