"""The ledger as it stands on a day: the year's targets as a tree, each with its progress, and
their plain-data forms."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import LedgerProgress, LedgerTarget
from ...rules import ledger as rules
from ...rules.settings import RuleSettings
from .metrics import METRICS, ZERO


@dataclass
class TargetView:
    target: LedgerTarget
    depth: int
    value: Decimal | None
    progress: Decimal
    expected: Decimal
    status: str
    source: str  # metric | manual | children | none
    latest: LedgerProgress | None = None
    children: list["TargetView"] = field(default_factory=list)


def ledger(year: int, as_of: date, settings: RuleSettings) -> list[TargetView]:
    """The year's targets as a tree (depth-first, in position order), each with its progress.
    Queries: the targets, their entries, and one per metric in use."""
    targets = db.session.scalars(
        select(LedgerTarget)
        .options(joinedload(LedgerTarget.responsible))
        .where(LedgerTarget.year == year)
        .order_by(LedgerTarget.position, LedgerTarget.id)
    ).all()
    entries: dict[int, LedgerProgress] = {}
    if targets:
        for e in db.session.scalars(
            select(LedgerProgress)
            .where(LedgerProgress.target_id.in_([t.id for t in targets]), LedgerProgress.recorded_on <= as_of)
            .order_by(LedgerProgress.recorded_on, LedgerProgress.id)
        ):
            entries[e.target_id] = e  # the latest wins
    metric_values: dict[str, Decimal] = {}
    children: dict[int | None, list[LedgerTarget]] = {}
    for t in targets:
        children.setdefault(t.parent_id, []).append(t)

    def build(t: LedgerTarget, depth: int) -> TargetView:
        kids = [build(c, depth + 1) for c in children.get(t.id, [])]
        expected = rules.expected(t.cumulative, t.year, as_of)
        latest = entries.get(t.id)
        if t.metric is not None:
            if t.metric not in metric_values:
                metric_values[t.metric] = METRICS[t.metric].compute(year, as_of)
            value, source = metric_values[t.metric], "metric"
        elif latest is not None:
            value, source = latest.value, "manual"
        elif kids and all(k.value is not None and k.target.unit == t.unit for k in kids):
            value, source = sum((k.value for k in kids), ZERO), "children"
        else:
            value, source = None, "children" if kids else "none"
        if value is not None:
            progress = rules.progress(value, t.target_value)
        elif kids:
            progress = sum((k.progress for k in kids), ZERO) / len(kids)
        else:
            progress = ZERO
        return TargetView(
            t, depth, value, progress, expected, rules.status(progress, expected, settings), source, latest, kids
        )

    return [build(t, 0) for t in children.get(None, [])]


def flatten(views: list[TargetView]) -> list[TargetView]:
    out = []
    for v in views:
        out.append(v)
        out.extend(flatten(v.children))
    return out


def view_of(target: LedgerTarget, as_of: date, settings: RuleSettings) -> TargetView | None:
    """The target as its year's ledger shows it; None when the tree does not hold it (a sub-target
    left under a parent of another year)."""
    return next((v for v in flatten(ledger(target.year, as_of, settings)) if v.target.id == target.id), None)


def view_json(v: TargetView) -> dict:
    t = v.target
    return {
        "id": t.id,
        "year": t.year,
        "parent_id": t.parent_id,
        "depth": v.depth,
        "title": t.title,
        "unit": t.unit,
        "target_value": _num(t.target_value),
        "cumulative": t.cumulative,
        "metric": t.metric,
        "responsible": t.responsible.username if t.responsible else None,
        "responsible_id": t.responsible_id,
        "note": t.note,
        "value": _num(v.value),
        "source": v.source,
        "progress": str(v.progress.quantize(Decimal("0.0001"))),
        "expected": str(v.expected.quantize(Decimal("0.0001"))),
        "status": v.status,
    }


def _num(value: Decimal | None) -> str | None:
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return text


def entry_json(e: LedgerProgress) -> dict:
    return {
        "id": e.id,
        "value": _num(e.value),
        "note": e.note,
        "recorded_on": e.recorded_on.isoformat(),
        "recorded_by": e.recorded_by.username,
        "evidence": None
        if e.evidence_stored_name is None
        else {"filename": e.evidence_filename, "kind": e.evidence_kind, "size": e.evidence_size},
    }
