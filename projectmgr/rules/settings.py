"""Rule thresholds (DESIGN §4, §6, §7), overridable from config keys named ``RULE_<FIELD>``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True)
class RuleSettings:
    special_overrun_tolerance: Decimal = Decimal("0.10")
    self_raised_required_ratio: Decimal = Decimal("1.00")
    panel_min_size: int = 5
    panel_min_finance: int = 2
    expert_max_panels_per_year: int = 10
    scoring_days: int = 14
    acceptance_grace_months: int = 3
    rectification_months: int = 3
    very_late_days: int = 14
    extension_max_months: int = 12
    credit_ban_years: int = 3
    pass_score: Decimal = Decimal(60)
    completion_fail_below: Decimal = Decimal("0.80")
    completion_rectify_below: Decimal = Decimal("0.90")
    # Annual evaluation (rules.evaluation): factor weights and grade thresholds on a 0..100 score.
    evaluation_weight_on_time: Decimal = Decimal("0.30")
    evaluation_weight_survey: Decimal = Decimal("0.20")
    evaluation_weight_indicators: Decimal = Decimal("0.30")
    evaluation_weight_execution: Decimal = Decimal("0.20")
    evaluation_excellent_from: Decimal = Decimal(90)
    evaluation_good_from: Decimal = Decimal(80)
    evaluation_pass_from: Decimal = Decimal(60)
    # Target ledger (rules.ledger): how far behind the expected share a target is still "at risk".
    ledger_at_risk_margin: Decimal = Decimal("0.15")
    # Reminders (issue 6): N days before a due date, on the day, then every K days after it.
    reminder_days_before: tuple[int, ...] = (14, 3)
    reminder_every_days_after: int = 7

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> RuleSettings:
        """Build settings from ``RULE_*`` keys; missing keys keep their defaults."""
        values: dict[str, Any] = {}
        for f in fields(cls):
            key = "RULE_" + f.name.upper()
            if key not in m:
                continue
            # The default's type tells how to read the value (annotations are strings here).
            if isinstance(f.default, Decimal):
                values[f.name] = _to_decimal(key, m[key])
            elif isinstance(f.default, tuple):
                values[f.name] = _to_int_tuple(key, m[key])
            else:
                values[f.name] = _to_int(key, m[key])
        return cls(**values)


def _to_decimal(key: str, raw: Any) -> Decimal:
    value: Decimal | None = None
    if isinstance(raw, (str, int, float, Decimal)) and not isinstance(raw, bool):
        try:
            value = Decimal(str(raw).strip())
        except InvalidOperation:
            value = None
    if value is None or not value.is_finite() or value < 0:
        raise ValueError(f"{key}: must be a finite decimal number >= 0, got {raw!r}")
    return value


def _to_int_tuple(key: str, raw: Any) -> tuple[int, ...]:
    """A comma-separated string such as "14,3" (or a list of whole numbers) -> (14, 3), distinct, largest first."""
    parts = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(parts, (list, tuple)) or not parts:
        raise ValueError(f"{key}: must be whole numbers >= 0 separated by commas, got {raw!r}")
    try:
        return tuple(sorted({_to_int(key, p) for p in parts}, reverse=True))
    except ValueError:
        raise ValueError(f"{key}: must be whole numbers >= 0 separated by commas, got {raw!r}") from None


def _to_int(key: str, raw: Any) -> int:
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        value = int(raw.strip())
    if value is None or value < 0:
        raise ValueError(f"{key}: must be a whole number >= 0, got {raw!r}")
    return value
