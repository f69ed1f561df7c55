"""The annual evaluation's proposed grade (年终考评, DESIGN §9): pure, no Flask.

Four factors, each a share in 0..1 (None when the year gives nothing to measure):
- on_time: due items due in the year (surveys, applications, rectifications, scores) that were
  closed on or before their due date, of those due by the evaluation day;
- survey: survey reports accepted, of the survey reports reviewed in the year (accepted + returned);
- indicators: indicator completion against the share of the project's duration elapsed by the end
  of the year (capped at 1);
- execution: special funds spent ÷ special funds disbursed (capped at 1).
The score is the weighted mean of the factors that have a value (weights from RuleSettings,
renormalised over those factors) × 100; a project whose acceptance failed in the year is
proposed `fail` whatever its score. Values are compared unrounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Context, Decimal, localcontext

from .settings import RuleSettings

FACTORS = ("on_time", "survey", "indicators", "execution")
_ZERO, _ONE, _HUNDRED = Decimal(0), Decimal(1), Decimal(100)


@dataclass(frozen=True)
class Factors:
    on_time: Decimal | None
    survey: Decimal | None
    indicators: Decimal | None
    execution: Decimal | None
    failed_acceptance: bool = False


@dataclass(frozen=True)
class Proposal:
    score: Decimal | None  # 0..100, None when no factor has a value
    grade: str  # excellent | good | pass | fail
    weights: dict[str, Decimal]  # the weights applied (renormalised), by factor


def share(part: Decimal | int, whole: Decimal | int) -> Decimal | None:
    """part ÷ whole capped to 0..1; None when there is nothing to divide by."""
    if whole is None or Decimal(whole) <= 0:
        return None
    with localcontext(Context(prec=28)):
        return min(max(Decimal(part) / Decimal(whole), _ZERO), _ONE)


def weights(settings: RuleSettings) -> dict[str, Decimal]:
    return {f: getattr(settings, f"evaluation_weight_{f}") for f in FACTORS}


def grade_for(score: Decimal, settings: RuleSettings) -> str:
    if score >= settings.evaluation_excellent_from:
        return "excellent"
    if score >= settings.evaluation_good_from:
        return "good"
    if score >= settings.evaluation_pass_from:
        return "pass"
    return "fail"


def propose(factors: Factors, settings: RuleSettings) -> Proposal:
    present = {f: getattr(factors, f) for f in FACTORS if getattr(factors, f) is not None}
    all_weights = weights(settings)
    total_weight = sum((all_weights[f] for f in present), _ZERO)
    if not present or total_weight <= 0:
        return Proposal(None, "fail" if factors.failed_acceptance else "pass", {})
    with localcontext(Context(prec=28)):
        applied = {f: all_weights[f] / total_weight for f in present}
        score = sum((applied[f] * present[f] for f in present), _ZERO) * _HUNDRED
    grade = "fail" if factors.failed_acceptance else grade_for(score, settings)
    return Proposal(score, grade, applied)
