"""Performance indicator completion (绩效指标, DESIGN §5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

_ZERO = Decimal(0)
_ONE = Decimal(1)


@dataclass(frozen=True)
class IndicatorFact:
    target: Decimal  # > 0
    weight: Decimal  # > 0
    achieved: Decimal | None  # None: nothing reported yet


def completion_of(item: IndicatorFact) -> Decimal:
    """min(achieved / target, 1); nothing reported counts as 0."""
    if item.target <= 0:
        raise ValueError(f"indicator target must be > 0, got {item.target}")
    if item.achieved is None:
        return _ZERO
    with localcontext(Context(prec=28)):
        # A negative achieved value (a decline) completes nothing, it does not subtract.
        return min(max(item.achieved / item.target, _ZERO), _ONE)


def indicator_completion(items: Sequence[IndicatorFact]) -> Decimal:
    """Weighted mean of the completions; no indicators at all completes nothing (0)."""
    if not items:
        return _ZERO
    if any(i.weight <= 0 for i in items):
        raise ValueError("indicator weights must be > 0")
    with localcontext(Context(prec=28)):
        weighted = sum((i.weight * completion_of(i) for i in items), _ZERO)
        weights = sum((i.weight for i in items), _ZERO)
        return weighted / weights
