"""Due items (DESIGN §7): opened and closed by the lifecycle's side effects, read by the radar."""

from dataclasses import dataclass
from datetime import date
from typing import TypedDict, Unpack

from sqlalchemy import Select, func, select

from ..extensions import db
from ..facts.due import items_of, open_at
from ..models import DueItem, DueKind, Level, Project
from ..rules.deadlines import acceptance_due, annual_evaluation_due, days_overdue, is_very_late
from ..rules.settings import RuleSettings


def open_item(project: Project, kind: DueKind, due_date: date, year: int | None = None) -> DueItem:
    # One item per project, kind and due date (a unique constraint): an obligation owed again on
    # the same date (a second panel formed the day the first was) reopens the earlier item.
    if project.id is not None:
        existing = db.session.scalar(
            select(DueItem).where(DueItem.project_id == project.id, DueItem.kind == kind, DueItem.due_date == due_date)
        )
        if existing is not None:
            existing.closed_on = None
            return existing
    item = DueItem(
        project=project,
        kind=kind,
        due_date=due_date,
        year=year,
        key_tracking=project.key_tracking,
        level=project.level,
    )
    db.session.add(item)
    return item


def close_items(project: Project, *kinds: DueKind, on: date) -> None:
    for item in items_of(project, *kinds):
        item.closed_on = on


def reopen_latest(project: Project, kind: DueKind) -> None:
    item = db.session.scalar(
        select(DueItem)
        .where(DueItem.project_id == project.id, DueItem.kind == kind)
        .order_by(DueItem.due_date.desc(), DueItem.id.desc())
        .limit(1)
    )
    if item is not None:
        item.closed_on = None


def open_registration_items(project: Project, settings: RuleSettings) -> None:
    """At registration: the acceptance application, and an annual evaluation for each year the
    project can be active (from its start to its acceptance deadline)."""
    due = acceptance_due(project.end_date, settings)
    open_item(project, DueKind.acceptance_application, due)
    for year in range(project.start_date.year, due.year + 1):
        open_item(project, DueKind.annual_evaluation, annual_evaluation_due(year), year=year)


def move_acceptance_deadline(project: Project, settings: RuleSettings, on: date) -> None:
    """After an approved extension: the application is due by the new end date + 3 months, and
    the years it adds get their annual evaluations. The old item is closed and a new one opened
    (rather than its date changed), so the reminders of the new deadline go out afresh."""
    due = acceptance_due(project.end_date, settings)
    for item in items_of(project, DueKind.acceptance_application):
        if item.due_date != due:
            item.closed_on = on
            open_item(project, DueKind.acceptance_application, due)
    years = {i.year for i in items_of(project, DueKind.annual_evaluation, only_open=False)}
    for year in range(project.start_date.year, due.year + 1):
        if year not in years:
            open_item(project, DueKind.annual_evaluation, annual_evaluation_due(year), year=year)


def close_after_conclusion(project: Project, on: date) -> None:
    """A concluded project owes no more surveys, applications or rectifications, and is not
    active in later years (its annual evaluation for this year stays due)."""
    close_items(
        project,
        DueKind.survey_report,
        DueKind.acceptance_application,
        DueKind.rectification,
        DueKind.expert_scores,
        on=on,
    )
    for item in items_of(project, DueKind.annual_evaluation):
        if item.year > on.year:
            item.closed_on = on


def set_key_tracking(project: Project) -> None:
    for item in items_of(project, only_open=False):
        item.key_tracking = project.key_tracking


@dataclass(frozen=True)
class DueView:
    kind: str
    due_date: date
    days_overdue: int
    days_left: int
    overdue: bool
    very_late: bool


def view(item: DueItem, as_of: date, settings: RuleSettings) -> DueView:
    return DueView(
        kind=item.kind.value,
        due_date=item.due_date,
        days_overdue=days_overdue(item.due_date, as_of),
        days_left=max(0, (item.due_date - as_of).days),
        overdue=as_of > item.due_date,
        very_late=is_very_late(item.due_date, as_of, settings),
    )


def project_due_items(project: Project, as_of: date, settings: RuleSettings) -> list[DueView]:
    """Items open on as_of, soonest first. Items due in a later year's evaluation are listed too."""
    items = db.session.scalars(
        select(DueItem).where(DueItem.project_id == project.id, open_at(as_of)).order_by(DueItem.due_date, DueItem.id)
    )
    return [view(i, as_of, settings) for i in items]


class OverdueFilters(TypedDict, total=False):
    """The radar's filters, each optional: a level, a kind of item, a key-tracking flag, and the
    projects (a SELECT of ids) a caller may see."""

    level: Level | None
    kind: DueKind | None
    flag: str | None
    project_ids: Select | None


def _overdue_conditions(as_of: date, filters: OverdueFilters) -> list:
    if unknown := set(filters) - set(OverdueFilters.__annotations__):
        raise TypeError(f"unknown overdue filters: {sorted(unknown)}")
    level, kind, flag = filters.get("level"), filters.get("kind"), filters.get("flag")
    project_ids = filters.get("project_ids")
    conditions = [DueItem.due_date < as_of, open_at(as_of)]
    if level is not None:
        conditions.append(DueItem.level == level)
    if kind is not None:
        conditions.append(DueItem.kind == kind)
    if flag is not None:
        # A flagged project is key-tracking: the item's copy lets the radar index narrow first, and
        # the flagged projects come from ix_project_tracking_order's key-tracking range (no join).
        flagged = select(Project.id).where(Project.key_tracking.is_(True), getattr(Project, f"flag_{flag}").is_(True))
        conditions += [DueItem.key_tracking.is_(True), DueItem.project_id.in_(flagged)]
    if project_ids is not None:
        conditions.append(DueItem.project_id.in_(project_ids))
    return conditions


def overdue_query(as_of: date, **filters: Unpack[OverdueFilters]) -> Select:
    """Open items past their due date on as_of, key-tracking first, then most days overdue.
    Rows are (DueItem, Project, Level)."""
    return (
        select(DueItem, Project, DueItem.level)
        .join(Project, Project.id == DueItem.project_id)
        .where(*_overdue_conditions(as_of, filters))
        .order_by(DueItem.key_tracking.desc(), DueItem.due_date, DueItem.id)
    )


def overdue_count_query(as_of: date, **filters: Unpack[OverdueFilters]) -> Select:
    """COUNT of overdue_query's rows from the due items alone: every item has exactly one
    project, so the join changes no count, and an index answers it without visiting each
    overdue item's project. A plain SELECT over due_item, so
    callers may add conditions or GROUP BY one of its columns."""
    query = select(func.count()).select_from(DueItem)
    return query.where(*_overdue_conditions(as_of, filters))


def overdue_count(query: Select) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
