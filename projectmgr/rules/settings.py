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


def _to_int(key: str, raw: Any) -> int:
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isascii() and raw.strip().isdigit():
        value = int(raw.strip())
    if value is None or value < 0:
        raise ValueError(f"{key}: must be a whole number >= 0, got {raw!r}")
    return value
