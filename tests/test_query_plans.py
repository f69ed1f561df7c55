"""The radar's summary queries are answered from indexes at any size (issue 11): seeded with 1,000
and then 3,000 projects (at ten, reading every row is what any planner should do), EXPLAIN QUERY PLAN (SQLite) / EXPLAIN (PostgreSQL) of each shows no full
scan of due_item or project. PostgreSQL plans sequential scans, hash and merge joins over tables
this small whatever their indexes, so there the check runs with those off: what it asserts is that
indexes can answer every query by ranges and lookups (a Seq Scan or a whole-index scan would
remain where none could)."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from projectmgr.extensions import db
from projectmgr.models import DueItem, DueKind, Level, Project
from projectmgr.services.due_items import overdue_count_query, overdue_query
from tests.test_query_counts import seed_base, seed_projects

AS_OF = date(2026, 12, 3)
SIZES = (1000, 3000)
FILTERS = [
    {},
    {"level": Level.provincial},
    {"kind": DueKind.acceptance_application},
    {"flag": "major"},
    {"level": Level.municipal, "kind": DueKind.annual_evaluation, "flag": "seasonal"},
]


def summary_queries(filters: dict) -> dict:
    """The queries behind the radar's figures (services.radar) and its first page."""
    without_kind = {k: v for k, v in filters.items() if k != "kind"}
    without_level = {k: v for k, v in filters.items() if k != "level"}
    year, month = func.extract("year", DueItem.due_date), func.extract("month", DueItem.due_date)
    return {
        "by kind": overdue_count_query(AS_OF, **without_kind)
        .with_only_columns(DueItem.kind, func.count())
        .group_by(DueItem.kind),
        "by level": overdue_count_query(AS_OF, **without_level)
        .with_only_columns(DueItem.level, func.count())
        .group_by(DueItem.level),
        "very late": overdue_count_query(AS_OF, **filters).where(DueItem.due_date <= AS_OF - timedelta(days=14)),
        "first page": overdue_query(AS_OF, **filters).limit(50),
        "by month": overdue_count_query(AS_OF).with_only_columns(year, month, func.count()).group_by(year, month),
    }


def plan_of(statement) -> str:
    connection = db.session.connection()
    compiled = statement.compile(dialect=connection.dialect)
    params = {k: getattr(v, "value", v) for k, v in compiled.params.items()}
    if connection.dialect.name == "sqlite":
        positional = tuple(params[name] for name in compiled.positiontup)
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled}", positional).all()
        return "\n".join(r[-1] for r in rows)
    for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    return "\n".join(r[0] for r in connection.exec_driver_sql(f"EXPLAIN {compiled}", params).all())


_PG_INDEX_SCAN = re.compile(r"Index (Only )?Scan (Backward )?using \S+ on (due_item|project)\b")


def full_scans(plan: str) -> list[str]:
    """Nodes of the plan that read the whole of due_item or project, or the whole of one of their
    indexes (SQLite: SCAN; PostgreSQL: Seq Scan, or an index scan with no Index Cond)."""
    bad = []
    lines = plan.splitlines()
    for n, line in enumerate(lines):
        text = line.strip().lstrip("|`-> ").strip()
        if text.startswith(("SCAN due_item", "SCAN project")) or re.search(r"Seq Scan on (due_item|project)\b", text):
            bad.append(text)
        elif _PG_INDEX_SCAN.search(text):
            depth = len(line) - len(line.lstrip())
            details = []
            for below in lines[n + 1 :]:
                if len(below) - len(below.lstrip()) <= depth or below.strip().startswith("->"):
                    break
                details.append(below.strip())
            if not any(d.startswith("Index Cond") for d in details):
                bad.append(text)
    return bad


@pytest.mark.parametrize("filters", FILTERS, ids=lambda f: "+".join(f) or "none")
def test_radar_summary_queries_use_indexes_at_two_sizes(filters):
    seeded = seed_base()
    for size in SIZES:
        seed_projects(seeded, size)
        db.session.connection().exec_driver_sql("ANALYZE")
        for name, statement in summary_queries(filters).items():
            plan = plan_of(statement)
            assert not full_scans(plan), (size, name, plan)
        db.session.rollback()


def test_the_check_sees_a_full_scan():
    """Counting every project by state reads the whole table (or an index of all of it)."""
    seed_projects(seed_base(), 200)
    db.session.connection().exec_driver_sql("ANALYZE")
    plan = plan_of(select(Project.state, func.count()).group_by(Project.state))
    assert full_scans(plan), plan
