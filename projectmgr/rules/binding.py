"""Binding indicators (约束性指标, DESIGN §4): checks no expert score can override."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from projectmgr.rules.money import format_money
from projectmgr.rules.settings import RuleSettings

# The budget categories: models.Category's values, in its order (the rules do not import the models).
CATEGORIES = tuple(
    "equipment materials testing fuel_power travel_meeting publication_ip labor expert_consulting other indirect".split()
)

HARD = "hard"
REMEDIABLE = "remediable"
_ZERO = Decimal(0)


@dataclass(frozen=True)
class FundsFacts:
    special_grant: Decimal
    self_raised_committed: Decimal
    approved_special: Mapping[str, Decimal]
    special_spent: Mapping[str, Decimal]
    self_raised_arrived: Decimal
    separate_account: bool | None  # None: no acceptance report yet
    panel_size: int = 0  # 0: no panel
    integrity_flags: int = 0


@dataclass(frozen=True)
class BindingCheck:
    key: str
    passed: bool
    severity: str
    detail: str
    figures: dict[str, Any] = field(default_factory=dict)


def binding_checks(facts: FundsFacts, settings: RuleSettings) -> list[BindingCheck]:
    """All binding indicators, in the order of DESIGN §4."""
    return [
        _special_within_budget(facts, settings),
        _special_only_budgeted(facts),
        _self_raised_in_place(facts, settings),
        _separate_account(facts),
        _integrity(facts),
    ]


def failed(checks: Sequence[BindingCheck], severity: str) -> list[BindingCheck]:
    """The failed checks of one severity."""
    return [c for c in checks if not c.passed and c.severity == severity]


def _categories(facts: FundsFacts) -> list[str]:
    # Unknown categories still count: spending must never disappear from a check.
    extra = (set(facts.approved_special) | set(facts.special_spent)) - set(CATEGORIES)
    return [*CATEGORIES, *sorted(extra)]


def _amount(d: Decimal) -> str:
    """Money as text; an allowance that is not a whole cent keeps its exact digits."""
    return format_money(d) if d == d.quantize(Decimal("0.01")) else f"{d.normalize():f}"


def _percent(ratio: Decimal) -> str:
    return f"{(ratio * 100).normalize():f}%"


def _special_within_budget(facts: FundsFacts, s: RuleSettings) -> BindingCheck:
    factor = 1 + s.special_overrun_tolerance
    tol = _percent(s.special_overrun_tolerance)
    problems: list[str] = []
    categories: dict[str, dict[str, str]] = {}
    over: list[str] = []
    for cat in _categories(facts):
        approved = facts.approved_special.get(cat, _ZERO)
        spent = facts.special_spent.get(cat, _ZERO)
        allowed = approved * factor  # exact: never rounded before comparing
        categories[cat] = {
            "approved": _amount(approved),
            "allowed": _amount(allowed),
            "spent": _amount(spent),
        }
        if spent > allowed:
            over.append(cat)
            problems.append(
                f"{cat}: special spent {_amount(spent)} > {_amount(allowed)} allowed "
                f"(approved {_amount(approved)} + {tol})"
            )
    total_spent = sum((facts.special_spent.get(c, _ZERO) for c in _categories(facts)), _ZERO)
    total_over = total_spent > facts.special_grant
    if total_over:
        problems.append(f"total special spent {_amount(total_spent)} > special grant {_amount(facts.special_grant)}")
    passed = not problems
    detail = (
        f"special spending within approved budget + {tol} in every category; total "
        f"{_amount(total_spent)} <= grant {_amount(facts.special_grant)}"
        if passed
        else "; ".join(problems)
    )
    return BindingCheck(
        key="special_within_budget",
        passed=passed,
        severity=HARD,
        detail=detail,
        figures={
            "tolerance": f"{s.special_overrun_tolerance:f}",
            "special_grant": _amount(facts.special_grant),
            "total_spent": _amount(total_spent),
            "total_over_grant": total_over,
            "categories_over": over,
            "categories": categories,
        },
    )


def _special_only_budgeted(facts: FundsFacts) -> BindingCheck:
    unbudgeted = {
        cat: facts.special_spent[cat]
        for cat in _categories(facts)
        if facts.special_spent.get(cat, _ZERO) > 0 and facts.approved_special.get(cat, _ZERO) == 0
    }
    passed = not unbudgeted
    detail = (
        "no special spending in a category without approved special funds"
        if passed
        else "; ".join(
            f"{cat}: special spent {_amount(v)} with no approved special budget" for cat, v in unbudgeted.items()
        )
    )
    return BindingCheck(
        key="special_only_budgeted",
        passed=passed,
        severity=HARD,
        detail=detail,
        figures={"unbudgeted": {cat: _amount(v) for cat, v in unbudgeted.items()}},
    )


def _self_raised_in_place(facts: FundsFacts, s: RuleSettings) -> BindingCheck:
    required = facts.self_raised_committed * s.self_raised_required_ratio
    arrived = facts.self_raised_arrived
    passed = arrived >= required
    op = ">=" if passed else "<"
    detail = (
        f"self-raised arrived {_amount(arrived)} {op} {_amount(required)} required "
        f"({_percent(s.self_raised_required_ratio)} of committed "
        f"{_amount(facts.self_raised_committed)})"
    )
    return BindingCheck(
        key="self_raised_in_place",
        passed=passed,
        severity=REMEDIABLE,
        detail=detail,
        figures={
            "committed": _amount(facts.self_raised_committed),
            "required": _amount(required),
            "arrived": _amount(arrived),
            "shortfall": _amount(max(required - arrived, _ZERO)),
        },
    )


def _separate_account(facts: FundsFacts) -> BindingCheck:
    if facts.separate_account is None:
        detail = "no acceptance report declares separate accounting of special funds yet"
    elif facts.separate_account:
        detail = "the acceptance report declares separate accounting of special funds"
    else:
        detail = "the acceptance report does not declare separate accounting of special funds"
    return BindingCheck(
        key="separate_account",
        passed=facts.separate_account is True,
        severity=REMEDIABLE,
        detail=detail,
        figures={"separate_account": facts.separate_account},
    )


def _integrity(facts: FundsFacts) -> BindingCheck:
    size, flags = facts.panel_size, facts.integrity_flags
    # Integer comparison: "fewer than half" with no fraction to round.
    passed = size == 0 or flags * 2 < size
    if size == 0:
        detail = "no panel yet: no integrity flags"
    else:
        op = "fewer than" if passed else "at least"
        detail = f"{flags} of {size} panel members flagged untruthful materials ({op} half)"
    return BindingCheck(
        key="integrity",
        passed=passed,
        severity=HARD,
        detail=detail,
        figures={"panel_size": size, "integrity_flags": flags},
    )
