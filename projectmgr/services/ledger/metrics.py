"""The ledger's named metrics: progress computed from the projects (DESIGN §10)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from ...extensions import db
from ...lifecycle import STARTED
from ...models import Indicator, IndicatorValue, Plan, Project, Report
from ..applications.upward import won_in_year
from ..evaluation import active_in

ZERO = Decimal(0)


# --- metrics: progress computed from the projects --------------------------------------------


def _count(query) -> Decimal:
    return Decimal(db.session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def won(year: int, as_of: date) -> Decimal:
    """The year's won recommendations upward plus the year's national and provincial projects
    registered without one, never the same project twice (services.applications.upward)."""
    return Decimal(won_in_year(year))


def major_active(year: int, as_of: date) -> Decimal:
    """Projects flagged major (重大) active in the year."""
    return _count(select(Project.id).where(Project.flag_major.is_(True), Project.id.in_(active_in(year))))


def projects_active(year: int, as_of: date) -> Decimal:
    return _count(select(Project.id).where(Project.id.in_(active_in(year))))


def implementation_rate(year: int, as_of: date) -> Decimal:
    """Percent of the year's plans' projects started and not terminated (DESIGN §10)."""
    rows = db.session.execute(
        select(Project.state, func.count())
        .join(Plan, Plan.id == Project.plan_id)
        .where(Plan.year == year)
        .group_by(Project.state)
    ).all()
    total = sum(n for _, n in rows)
    if not total:
        return ZERO
    started = sum(n for state, n in rows if state in STARTED)
    return (Decimal(started) * 100 / Decimal(total)).quantize(Decimal("0.0001"))


def indicator_sum(*keys: str) -> Callable[[int, date], Decimal]:
    """The latest achieved values of the named indicators, summed over the projects active in the year."""

    def compute(year: int, as_of: date) -> Decimal:
        # Each indicator's value from its latest report (ranked in SQL), summed in SQL.
        rank = (
            func.row_number()
            .over(
                partition_by=IndicatorValue.indicator_id,
                order_by=(Report.submitted_at.desc(), Report.id.desc()),
            )
            .label("rank")
        )
        values = (
            select(IndicatorValue.achieved.label("achieved"), rank)
            .join(Report, Report.id == IndicatorValue.report_id)
            .join(Indicator, Indicator.id == IndicatorValue.indicator_id)
            .where(Indicator.key.in_(keys), Indicator.project_id.in_(active_in(year)))
            .subquery()
        )
        total = db.session.scalar(select(func.sum(values.c.achieved)).where(values.c.rank == 1))
        return ZERO if total is None else total

    return compute


@dataclass(frozen=True)
class Metric:
    key: str
    label: object  # a lazy translated string
    unit: str
    compute: Callable[[int, date], Decimal]
    cumulative: bool = True


METRICS: dict[str, Metric] = {
    m.key: m
    for m in (
        Metric("national_provincial_won", _l("National and provincial projects won in the year"), "项", won),
        Metric("major_projects_active", _l("Major projects active in the year"), "项", major_active, False),
        Metric("projects_active", _l("Plan projects active in the year"), "项", projects_active, False),
        Metric(
            "implementation_rate",
            _l("Implementation rate of the year's plan projects"),
            "%",
            implementation_rate,
            False,
        ),
        Metric("patent_applications", _l("Patent applications (from indicators)"), "件", indicator_sum("patents")),
        Metric("people_trained", _l("People trained (from indicators)"), "人次", indicator_sum("trained")),
        Metric("new_products", _l("New products (from indicators)"), "个", indicator_sum("products")),
        Metric("demonstration_bases", _l("Demonstration bases (from indicators)"), "个", indicator_sum("bases")),
    )
}
