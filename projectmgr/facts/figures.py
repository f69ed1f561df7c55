"""Figures computed live from a project's records: fund totals, binding indicators, completion."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Disbursement,
    Expenditure,
    FundSource,
    IndicatorValue,
    Panel,
    Project,
    Report,
    ReportKind,
    SelfRaisedArrival,
)
from ..rules.binding import BindingCheck, FundsFacts, binding_checks
from ..rules.indicators import IndicatorFact, indicator_completion
from ..rules.settings import RuleSettings
from ..summary_cache import memoized

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ProjectFacts:
    totals: dict[str, Decimal]
    special_spent_by_category: dict[str, Decimal]
    self_raised_spent_by_category: dict[str, Decimal]
    binding_checks: list[BindingCheck]
    indicator_completion: Decimal
    achieved: dict[int, Decimal]  # indicator id -> latest achieved value


def _until(as_of: date | None) -> datetime | None:
    """Records submitted before the end of as_of count as of that day."""
    return None if as_of is None else datetime.combine(as_of + timedelta(days=1), time.min)


@dataclass(frozen=True)
class FactRecords:
    """A project's fund and report records as the figures read them, read once per transaction
    (summary_cache.memoized) and filtered by day or report kind in Python: the project page's
    figures (as of today) and its guards' (the acceptance reports) share one read."""

    spending: list[tuple[str, str, date, Decimal]]  # source, category, day, sum of that day
    arrivals: list[tuple[date, Decimal]]  # self-raised funds arrived: day, sum
    disbursements: list[tuple[date, Decimal]]  # day, sum
    values: list[tuple[int, Decimal, ReportKind, datetime]]  # newest report first
    separate_accounts: list[tuple[bool | None, datetime]]  # acceptance reports, newest first
    panel_integrity: tuple[int, int]


def _by_day(model, project_id: int) -> list[tuple[date, Decimal]]:
    query = select(model.date, func.sum(model.amount)).where(model.project_id == project_id).group_by(model.date)
    return [tuple(row) for row in db.session.execute(query)]


def _read_records(project_id: int) -> FactRecords:
    spending = db.session.execute(
        select(Expenditure.source, Expenditure.category, Expenditure.date, func.sum(Expenditure.amount))
        .where(Expenditure.project_id == project_id)
        .group_by(Expenditure.source, Expenditure.category, Expenditure.date)
    )
    values = db.session.execute(
        select(IndicatorValue.indicator_id, IndicatorValue.achieved, Report.kind, Report.submitted_at)
        .join(Report, Report.id == IndicatorValue.report_id)
        .where(Report.project_id == project_id)
        .order_by(Report.submitted_at.desc(), Report.id.desc())
    )
    accounts = db.session.execute(
        select(Report.separate_account, Report.submitted_at)
        .where(Report.project_id == project_id, Report.kind == ReportKind.acceptance)
        .order_by(Report.submitted_at.desc(), Report.id.desc())
    )
    return FactRecords(
        spending=[(source.value, category.value, day, amount) for source, category, day, amount in spending],
        arrivals=_by_day(SelfRaisedArrival, project_id),
        disbursements=_by_day(Disbursement, project_id),
        values=[tuple(row) for row in values],
        separate_accounts=[tuple(row) for row in accounts],
        panel_integrity=panel_integrity(project_id),
    )


def fact_records(project_id: int) -> FactRecords:
    return memoized(("fact_records", project_id), lambda: _read_records(project_id))


def _total(rows: list[tuple[date, Decimal]], as_of: date | None) -> Decimal:
    return sum((amount for day, amount in rows if as_of is None or day <= as_of), ZERO)


def spending(project_id: int, as_of: date | None = None) -> dict[tuple[str, str], Decimal]:
    spent: dict[tuple[str, str], Decimal] = {}
    for source, category, day, amount in fact_records(project_id).spending:
        if as_of is None or day <= as_of:
            spent[source, category] = spent.get((source, category), ZERO) + amount
    return spent


def latest_achieved(
    project: Project, as_of: date | None = None, report_kind: ReportKind | None = None
) -> dict[int, Decimal]:
    """The most recent reported value of each indicator (reported by the end of as_of), from
    reports of `report_kind` only when given."""
    until = _until(as_of)
    achieved: dict[int, Decimal] = {}
    for indicator_id, value, kind, submitted_at in fact_records(project.id).values:
        if (report_kind is None or kind == report_kind) and (until is None or submitted_at < until):
            achieved.setdefault(indicator_id, value)
    return achieved


def latest_separate_account(project_id: int, as_of: date | None = None) -> bool | None:
    until = _until(as_of)
    for separate, submitted_at in fact_records(project_id).separate_accounts:
        if until is None or submitted_at < until:
            return separate
    return None


def current_panel(project_id: int) -> Panel | None:
    """The project's latest panel (read once per transaction while nothing is written)."""
    return memoized(
        ("current_panel", project_id),
        lambda: db.session.scalar(
            select(Panel).where(Panel.project_id == project_id).order_by(Panel.round.desc()).limit(1)
        ),
    )


def panel_integrity(project_id: int) -> tuple[int, int]:
    """(members who count, members who flagged untruthful materials) of the current panel, from
    the panel's members and scores (loaded with it)."""
    panel = current_panel(project_id)
    if panel is None or panel.formed_on is None:
        return 0, 0
    counting = [m for m in panel.members if m.conflict_declared_at is None]
    return len(counting), sum(1 for m in counting if m.score is not None and m.score.integrity_concern is True)


def project_facts(
    project: Project, settings: RuleSettings, as_of: date | None = None, report_kind: ReportKind | None = None
) -> ProjectFacts:
    """report_kind: take indicator values from reports of that kind only (a conclusion counts the
    acceptance reports); None: the latest value of any report."""
    records = fact_records(project.id)
    spent = spending(project.id, as_of)
    special_spent = {c: a for (s, c), a in spent.items() if s == FundSource.special.value}
    self_spent = {c: a for (s, c), a in spent.items() if s == FundSource.self_raised.value}
    arrived = _total(records.arrivals, as_of)
    panel_size, flags = records.panel_integrity
    facts = FundsFacts(
        special_grant=project.special_funds,
        self_raised_committed=project.self_raised_committed,
        approved_special={line.category.value: line.special for line in project.budget_lines},
        special_spent=special_spent,
        self_raised_arrived=arrived,
        separate_account=latest_separate_account(project.id, as_of),
        panel_size=panel_size,
        integrity_flags=flags,
    )
    achieved = latest_achieved(project, as_of, report_kind)
    completion = indicator_completion(
        [IndicatorFact(i.target, i.weight, achieved.get(i.id)) for i in project.indicators]
    )
    totals = {
        "special_disbursed": _total(records.disbursements, as_of),
        "special_spent": sum(special_spent.values(), ZERO),
        "self_raised_arrived": arrived,
        "self_raised_spent": sum(self_spent.values(), ZERO),
    }
    return ProjectFacts(
        totals=totals,
        special_spent_by_category=special_spent,
        self_raised_spent_by_category=self_spent,
        binding_checks=binding_checks(facts, settings),
        indicator_completion=completion,
        achieved=achieved,
    )


def has_report_since(project: Project, kind: str, since: datetime | None) -> bool:
    query = select(Report.id).where(Report.project_id == project.id, Report.kind == ReportKind(kind))
    if since is not None:
        query = query.where(Report.submitted_at >= since)
    return db.session.scalar(query.limit(1)) is not None
