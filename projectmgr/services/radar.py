"""The overdue radar's figures (DESIGN §7): counts by kind and level, the very late, the total,
cached under the data version (projectmgr.summary_cache) so each is counted once per write."""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func

from ..extensions import db
from ..models import DueItem, DueKind, Level
from ..rules.settings import RuleSettings
from ..summary_cache import cached
from .due_items import overdue_count_query


@dataclass(frozen=True)
class RadarCounts:
    by_kind: dict[str, int]  # ignoring the kind filter, so every tile keeps its count
    by_level: dict[str, int]  # ignoring the level filter
    total: int  # with every filter
    very_late: int  # with every filter, at least very_late_days past the due date


def _grouped(query, column) -> dict[str, int]:
    rows = db.session.execute(query.with_only_columns(column, func.count()).group_by(column)).all()
    return {getattr(key, "value", key): n for key, n in rows}


def radar_counts(
    as_of: date, settings: RuleSettings, *, level: Level | None, kind: DueKind | None, flag: str | None
) -> RadarCounts:
    def count() -> RadarCounts:
        by_kind = _grouped(overdue_count_query(as_of, level=level, flag=flag), DueItem.kind)
        by_level = _grouped(overdue_count_query(as_of, kind=kind, flag=flag), DueItem.level)
        total = by_kind.get(kind.value, 0) if kind else sum(by_kind.values())
        very_late_from = as_of - timedelta(days=settings.very_late_days)
        very_late = db.session.scalar(
            overdue_count_query(as_of, level=level, kind=kind, flag=flag).where(DueItem.due_date <= very_late_from)
        )
        return RadarCounts(by_kind, by_level, total, very_late)

    key = ("radar_counts", as_of, getattr(level, "value", None), getattr(kind, "value", None), flag)
    return cached((*key, settings.very_late_days), count)


def radar_total(as_of: date, *, level: Level | None, kind: DueKind | None, flag: str | None) -> int:
    """The number of overdue items matching the filters: one GROUP BY kind, shared with the tiles."""

    def count() -> dict[str, int]:
        return _grouped(overdue_count_query(as_of, level=level, flag=flag), DueItem.kind)

    by_kind = cached(("radar_by_kind", as_of, getattr(level, "value", None), flag), count)
    return by_kind.get(kind.value, 0) if kind else sum(by_kind.values())
