"""The target ledger's status (目标台账, DESIGN §10): pure, no Flask.

progress = achieved ÷ target (capped at 1). A cumulative target (a count that grows through the
year: projects won, patents, person-times) is expected to have reached the share of the year gone
by `as_of`; a level target (a rate: implementation rate, on-time approvals) is expected to stand at
its target all year. Status: `on_track` when progress ≥ expected; `at_risk` when it is short by no
more than RuleSettings.ledger_at_risk_margin (default 0.15); `behind` otherwise. A year that is over
expects everything; a year not begun expects nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Context, Decimal, localcontext

from .settings import RuleSettings

_ZERO, _ONE = Decimal(0), Decimal(1)


def year_gone(year: int, as_of: date) -> Decimal:
    """The share of the calendar year elapsed at the end of as_of (31 Dec → 1)."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    if as_of < start:
        return _ZERO
    if as_of >= end:
        return _ONE
    with localcontext(Context(prec=28)):
        return Decimal((as_of - start).days + 1) / Decimal((end - start).days + 1)


def progress(achieved: Decimal | None, target: Decimal) -> Decimal:
    if achieved is None or target <= 0:
        return _ZERO
    with localcontext(Context(prec=28)):
        return min(max(achieved / target, _ZERO), _ONE)


def expected(cumulative: bool, year: int, as_of: date) -> Decimal:
    return year_gone(year, as_of) if cumulative else (_ZERO if as_of < date(year, 1, 1) else _ONE)


def status(progress_share: Decimal, expected_share: Decimal, settings: RuleSettings) -> str:
    if progress_share >= expected_share:
        return "on_track"
    if progress_share >= expected_share - settings.ledger_at_risk_margin:
        return "at_risk"
    return "behind"
