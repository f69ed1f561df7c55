"""Expert scoresheets, score validation, aggregation and grade bands (DESIGN §6)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Context, Decimal, localcontext
from typing import Any

from projectmgr.rules.money import N_, FieldError, parse_decimal

SHEET_TOTAL = Decimal(100)
AGGREGATION_METHODS = ("mean", "trimmed_mean")
TRIM_MIN_EXPERTS = 5
SCORE_PLACES = 2


@dataclass(frozen=True)
class Criterion:
    key: str
    name_zh: str
    name_en: str
    max: Decimal


DEFAULT_SCORESHEET: tuple[Criterion, ...] = (
    Criterion("task_content", "任务内容完成情况", "Task content", Decimal(20)),
    Criterion("technical_indicators", "技术指标完成情况", "Technical indicators", Decimal(20)),
    Criterion("economic_indicators", "经济指标完成情况", "Economic indicators", Decimal(10)),
    Criterion("deliverables", "成果产出", "Deliverables", Decimal(20)),
    Criterion("funds_in_place", "经费到位情况", "Funds in place", Decimal(10)),
    Criterion(
        "fund_usage",
        "经费使用与单独核算",
        "Fund usage and separate accounting",
        Decimal(10),
    ),
    Criterion("management", "项目组织管理", "Management", Decimal(10)),
)


def scoresheet_from_data(data: list[dict[str, Any]]) -> tuple[Criterion, ...]:
    """A plan's own scoresheet from stored JSON; ValueError on any bad entry."""
    if not isinstance(data, list) or not data:
        raise ValueError("scoresheet must be a non-empty list of criteria")
    sheet: list[Criterion] = []
    seen: set[str] = set()
    for n, item in enumerate(data):
        entry = item if isinstance(item, dict) else {}
        texts = {}
        for name in ("key", "name_zh", "name_en"):
            value = entry.get(name)
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"scoresheet[{n}].{name}: must be a non-empty string")
            texts[name] = value.strip()
        key = texts["key"]
        if not key.isidentifier() or not key.isascii():
            raise ValueError(f"scoresheet[{n}].key: must be an ASCII identifier, got {key!r}")
        if key in seen:
            raise ValueError(f"scoresheet[{n}].key: duplicate criterion {key!r}")
        seen.add(key)
        try:
            top = parse_decimal(
                entry.get("max"),
                field=f"scoresheet[{n}].max",
                places=SCORE_PLACES,
                positive=True,
            )
        except FieldError as exc:
            raise ValueError(str(exc)) from None
        sheet.append(Criterion(key, texts["name_zh"], texts["name_en"], top))
    # Pass mark and grade bands are absolute points on a 100-point sheet.
    points = sum((c.max for c in sheet), Decimal(0))
    if points != SHEET_TOTAL:
        raise ValueError(f"scoresheet: criteria must total {SHEET_TOTAL} points, got {points}")
    return tuple(sheet)


def validate_scores(
    sheet: Sequence[Criterion], scores: Mapping[str, Any]
) -> tuple[dict[str, Decimal], list[tuple[str, str]]]:
    """Parse one expert's scores: every criterion, nothing else, each within 0..max."""
    if not isinstance(scores, Mapping):
        return {}, [("scores", N_("must be an object mapping criterion keys to scores"))]
    parsed: dict[str, Decimal] = {}
    errors: list[tuple[str, str]] = []
    for c in sheet:
        field = f"scores.{c.key}"
        if c.key not in scores:
            errors.append((field, N_("is required")))
            continue
        try:
            value = parse_decimal(scores[c.key], field=field, places=SCORE_PLACES)
        except FieldError as exc:
            errors.append((exc.field, exc.message))
            continue
        if value > c.max:
            errors.append((field, N_("must be between 0 and %(max)s", max=c.max)))
            continue
        parsed[c.key] = value
    known = {c.key for c in sheet}
    for key in scores:
        if key not in known:
            errors.append((f"scores.{key}", N_("is not a criterion of this scoresheet")))
    return parsed, errors


def total(parsed: Mapping[str, Decimal]) -> Decimal:
    """One expert's total score."""
    return sum(parsed.values(), Decimal(0))


def aggregate(totals: Sequence[Decimal], method: str) -> Decimal:
    """The panel's score: mean, or with 5+ experts optionally the trimmed mean. Unrounded."""
    if method not in AGGREGATION_METHODS:
        raise ValueError(f"unknown aggregation method {method!r}")
    if not totals:
        raise ValueError("no scores to aggregate")
    values = sorted(totals)
    if method == "trimmed_mean" and len(values) >= TRIM_MIN_EXPERTS:
        values = values[1:-1]
    with localcontext(Context(prec=28)):
        return sum(values, Decimal(0)) / len(values)


def grade_for(score: Decimal) -> str:
    """Grade band of an exact score: 优秀 >= 90, 良好 >= 80, 合格 >= 60, else 不合格."""
    if score >= 90:
        return "excellent"
    if score >= 80:
        return "good"
    if score >= 60:
        return "pass"
    return "fail"
