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
    PanelMember,
    Project,
    Report,
    ReportKind,
    Score,
    SelfRaisedArrival,
)
from ..rules.binding import BindingCheck, FundsFacts, binding_checks
from ..rules.indicators import IndicatorFact, indicator_completion
from ..rules.settings import RuleSettings

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


def _sum(model, project_id: int, as_of: date | None = None) -> Decimal:
    query = select(func.sum(model.amount)).where(model.project_id == project_id)
    if as_of is not None:
        query = query.where(model.date <= as_of)
    total = db.session.scalar(query)
    return total if total is not None else ZERO


def spending(project_id: int, as_of: date | None = None) -> dict[tuple[str, str], Decimal]:
    query = select(Expenditure.source, Expenditure.category, func.sum(Expenditure.amount)).where(
        Expenditure.project_id == project_id
    )
    if as_of is not None:
        query = query.where(Expenditure.date <= as_of)
    rows = db.session.execute(query.group_by(Expenditure.source, Expenditure.category))
    return {(source.value, category.value): amount for source, category, amount in rows}


def latest_achieved(
    project: Project, as_of: date | None = None, report_kind: ReportKind | None = None
) -> dict[int, Decimal]:
    """The most recent reported value of each indicator (reported by the end of as_of), from
    reports of `report_kind` only when given."""
    query = (
        select(IndicatorValue.indicator_id, IndicatorValue.achieved)
        .join(Report, Report.id == IndicatorValue.report_id)
        .where(Report.project_id == project.id)
    )
    if report_kind is not None:
        query = query.where(Report.kind == report_kind)
    if as_of is not None:
        query = query.where(Report.submitted_at < _until(as_of))
    rows = db.session.execute(query.order_by(Report.submitted_at.desc(), Report.id.desc()))
    achieved: dict[int, Decimal] = {}
    for indicator_id, value in rows:
        achieved.setdefault(indicator_id, value)
    return achieved


def latest_separate_account(project_id: int, as_of: date | None = None) -> bool | None:
    query = select(Report.separate_account).where(Report.project_id == project_id, Report.kind == ReportKind.acceptance)
    if as_of is not None:
        query = query.where(Report.submitted_at < _until(as_of))
    return db.session.scalar(query.order_by(Report.submitted_at.desc(), Report.id.desc()).limit(1))


def current_panel(project_id: int) -> Panel | None:
    return db.session.scalar(select(Panel).where(Panel.project_id == project_id).order_by(Panel.round.desc()).limit(1))


def panel_integrity(project_id: int) -> tuple[int, int]:
    """(members who count, members who flagged untruthful materials) of the current panel."""
    panel = current_panel(project_id)
    if panel is None or panel.formed_on is None:
        return 0, 0
    size, flags = db.session.execute(
        select(
            func.count(PanelMember.id),
            func.count(Score.member_id).filter(Score.integrity_concern.is_(True)),
        )
        .select_from(PanelMember)
        .outerjoin(Score, Score.member_id == PanelMember.id)
        .where(PanelMember.panel_id == panel.id, PanelMember.conflict_declared_at.is_(None))
    ).one()
    return size, flags


def project_facts(
    project: Project, settings: RuleSettings, as_of: date | None = None, report_kind: ReportKind | None = None
) -> ProjectFacts:
    """report_kind: take indicator values from reports of that kind only (a conclusion counts the
    acceptance reports); None: the latest value of any report."""
    spent = spending(project.id, as_of)
    special_spent = {c: a for (s, c), a in spent.items() if s == FundSource.special.value}
    self_spent = {c: a for (s, c), a in spent.items() if s == FundSource.self_raised.value}
    arrived = _sum(SelfRaisedArrival, project.id, as_of)
    panel_size, flags = panel_integrity(project.id)
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
        "special_disbursed": _sum(Disbursement, project.id, as_of),
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
