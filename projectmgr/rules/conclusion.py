"""Acceptance conclusion rules (DESIGN §6): the first rule that applies decides."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from projectmgr.rules.binding import HARD, REMEDIABLE, BindingCheck, failed
from projectmgr.rules.settings import RuleSettings

FAILED = "failed"
RECTIFYING = "rectifying"
ACCEPTED = "accepted"


@dataclass(frozen=True)
class Decision:
    outcome: str  # "failed" | "rectifying" | "accepted"
    rule: int  # 1..5, the DESIGN §6 rule that decided
    reason: str


def _pct(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def decide(
    checks: Sequence[BindingCheck],
    score: Decimal,
    completion: Decimal,
    rectified_before: bool,
    settings: RuleSettings,
) -> Decision:
    """Compute the conclusion from exact, unrounded figures."""
    hard = failed(checks, HARD)
    if hard:
        keys = ", ".join(c.key for c in hard)
        return Decision(FAILED, 1, f"hard binding indicator failed: {keys}")
    if score < settings.pass_score:
        return Decision(FAILED, 2, f"score {score} is below the pass mark {settings.pass_score}")
    if completion < settings.completion_fail_below:
        return Decision(
            FAILED,
            3,
            f"indicator completion {_pct(completion)} is below {_pct(settings.completion_fail_below)}",
        )
    causes = [f"remediable binding indicator failed: {c.key}" for c in failed(checks, REMEDIABLE)]
    if completion < settings.completion_rectify_below:
        causes.append(f"indicator completion {_pct(completion)} is below {_pct(settings.completion_rectify_below)}")
    if causes:
        if rectified_before:
            return Decision(FAILED, 4, "; ".join(causes) + ", after a rectification already")
        return Decision(RECTIFYING, 4, "; ".join(causes))
    return Decision(
        ACCEPTED,
        5,
        f"binding indicators met, score {score}, indicator completion {_pct(completion)}",
    )
