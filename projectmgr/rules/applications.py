"""Pure rules of the application side (DESIGN §13): the public notice's end, the approval-review
scoresheet and how a budget follows a grant below the request."""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from .scoring import Criterion

NOTICE_WORKING_DAYS = 5
# The overdue radar shows a formal check still waiting after this many working days.
FORMAL_CHECK_WORKING_DAYS = 5
CENT = Decimal("0.01")

# The approval-review (立项评审) sheet: 100 points. A deployment may set its own as the
# APPROVAL_SCORESHEET config key ([{key, name_zh, name_en, max}], checked like a plan's sheet).
DEFAULT_APPROVAL_SCORESHEET: tuple[Criterion, ...] = (
    Criterion("innovation", "创新性", "Innovation", Decimal(25)),
    Criterion("feasibility", "技术可行性", "Technical feasibility", Decimal(20)),
    Criterion("team", "团队与条件", "Team and conditions", Decimal(15)),
    Criterion("benefit", "经济和社会效益", "Economic and social benefit", Decimal(20)),
    Criterion("budget", "预算合理性", "Budget soundness", Decimal(10)),
    Criterion("self_raised_support", "自筹资金与配套", "Self-raised funds and support", Decimal(10)),
)


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days after `start` (Saturdays and Sundays skipped)."""
    d = start
    left = days
    while left > 0:
        d += timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d


def working_days_before(end: date, days: int) -> date:
    """The day `days` working days before `end` (Saturdays and Sundays skipped)."""
    d, left = end, days
    while left > 0:
        d -= timedelta(days=1)
        if d.weekday() < 5:
            left -= 1
    return d


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start)."""
    count, d = 0, start
    while d < end:
        d += timedelta(days=1)
        if d.weekday() < 5:
            count += 1
    return count


def notice_end(published_on: date) -> date:
    """The public notice (公示) runs for five working days after the day it is published."""
    return add_working_days(published_on, NOTICE_WORKING_DAYS)


def scale_budget(lines: list[tuple[str, Decimal]], requested: Decimal, granted: Decimal) -> dict[str, Decimal]:
    """Special-fund budget lines for a grant below the request: each line × granted ÷ requested,
    rounded half up to the cent; the rounding remainder goes to the largest line (the first of
    equals), so that the lines sum to the grant exactly. Self-raised lines are not changed."""
    if requested <= 0 or granted == requested:
        return {key: amount for key, amount in lines}
    scaled = {key: (amount * granted / requested).quantize(CENT, ROUND_HALF_UP) for key, amount in lines}
    remainder = granted - sum(scaled.values(), Decimal(0))
    if remainder and lines:
        largest = max(lines, key=lambda line: line[1])[0]
        scaled[largest] += remainder
    return scaled
