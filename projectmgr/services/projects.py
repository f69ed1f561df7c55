"""Registering, finding and listing projects."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import literal_column, or_, select, table
from sqlalchemy.orm import joinedload

from ..errors import Conflict, GuardFailed, NotFound, ValidationFailed
from ..extensions import db
from ..models import (
    BudgetLine,
    Category,
    Flag,
    Indicator,
    Level,
    Organization,
    Plan,
    Project,
    State,
    User,
)
from ..models.search import SQLITE_TABLE, fts_phrase, is_searchable
from ..permissions import (
    can_be_responsible,
    can_own_projects,
    can_register_project,
    can_view_project,
    require,
    visible_projects,
)
from ..rules.settings import RuleSettings
from . import due_items
from .credit import credit_problems
from .locking import lock_project


@dataclass
class BudgetInput:
    category: Category
    special: Decimal
    self_raised: Decimal


@dataclass
class IndicatorInput:
    key: str
    name: str
    unit: str
    target: Decimal
    weight: Decimal = Decimal("1")


@dataclass
class ProjectInput:
    code: str
    title: str
    plan_id: int
    organization_id: int
    owner_id: int
    start_date: date
    end_date: date
    special_funds: Decimal
    self_raised_committed: Decimal
    budget: list[BudgetInput]
    indicators: list[IndicatorInput] = field(default_factory=list)
    industry: str | None = None
    responsible_staff_id: int | None = None
    flags: list[Flag] = field(default_factory=list)


def _registration_errors(data: ProjectInput) -> tuple[list[dict], Plan | None]:
    errors: list[dict] = []

    def err(f: str, m: str) -> None:
        errors.append({"field": f, "message": m})

    plan = db.session.get(Plan, data.plan_id)
    if plan is None:
        err("plan_id", _("No such plan."))
    if db.session.get(Organization, data.organization_id) is None:
        err("organization_id", _("No such organization."))
    owner = db.session.get(User, data.owner_id)
    if not can_own_projects(owner):
        err("owner_id", _("No such project owner."))
    elif owner.organization_id != data.organization_id:
        err("owner_id", _("The owner does not belong to the undertaking organization."))
    if data.responsible_staff_id is not None:
        staff = db.session.get(User, data.responsible_staff_id)
        if not can_be_responsible(staff):
            err("responsible_staff_id", _("No such bureau staff member."))
    if data.end_date < data.start_date:
        err("end_date", _("The end date is before the start date."))

    seen: set[Category] = set()
    for i, line in enumerate(data.budget):
        if line.category in seen:
            err(f"budget[{i}].category", _("Category %(category)s appears twice.", category=line.category.value))
        seen.add(line.category)
    # Each part of the budget sums to its figure (named `figure` in the message): the grant, the commitment.
    for part, expected, figure, message in (
        ("special", data.special_funds, "grant",
         _("Special budget lines sum to %(sum)s, not the special grant %(grant)s.")),
        ("self_raised", data.self_raised_committed, "commitment",
         _("Self-raised budget lines sum to %(sum)s, not the commitment %(commitment)s.")),
    ):
        total = sum((getattr(line, part) for line in data.budget), Decimal("0"))
        if total != expected:
            err(f"budget.{part}", message % {"sum": format(total, ".2f"), figure: format(expected, ".2f")})
    if plan is not None:
        required = plan.min_self_raised_ratio * data.special_funds
        if data.self_raised_committed < required:
            err(
                "self_raised_committed",
                _(
                    "The plan requires self-raised funds of at least %(ratio)s × the special grant (%(required)s); "
                    "%(committed)s committed.",
                    ratio=plan.min_self_raised_ratio,
                    required=format(required, ".2f"),
                    committed=format(data.self_raised_committed, ".2f"),
                ),
            )
    errors.extend(indicator_errors(data.indicators))
    return errors, plan


def indicator_errors(indicators: list[IndicatorInput]) -> list[dict]:
    """The indicators' own rules, for a registration, an application and a later adjustment alike."""
    if not indicators:
        # Completion is measured against indicators: without one the project could never pass.
        return [{"field": "indicators", "message": _("At least one indicator is required.")}]
    errors, keys = [], set()
    for i, ind in enumerate(indicators):
        if ind.key in keys:
            errors.append(
                {"field": f"indicators[{i}].key", "message": _("Indicator %(key)s appears twice.", key=ind.key)}
            )
        keys.add(ind.key)
    return errors


def registration_errors(data: ProjectInput) -> list[dict]:
    """Every field rule of a registration, each named: the one validation a project and an
    application (services.applications, which checks its form as the registration it becomes) share."""
    return _registration_errors(data)[0]


def register_project(actor: User, data: ProjectInput, settings: RuleSettings, as_of: date) -> Project:
    require(can_register_project(actor), _("Only bureau staff register projects."))
    errors, _plan = _registration_errors(data)
    if errors:
        raise ValidationFailed(errors)
    if db.session.scalar(select(Project.id).where(Project.code == data.code)):
        raise Conflict(_("A project with code %(code)s exists already.", code=data.code))
    refusals = credit_problems(data.organization_id, data.owner_id, as_of, settings)
    if refusals:
        raise GuardFailed(refusals, _("Registration is refused by the research-integrity rules."))
    project = Project(
        code=data.code,
        title=data.title,
        plan_id=data.plan_id,
        organization_id=data.organization_id,
        owner_id=data.owner_id,
        responsible_staff_id=data.responsible_staff_id,
        industry=data.industry,
        start_date=data.start_date,
        end_date=data.end_date,
        original_end_date=data.end_date,
        special_funds=data.special_funds,
        self_raised_committed=data.self_raised_committed,
        budget_lines=[
            BudgetLine(category=b.category, special=b.special, self_raised=b.self_raised) for b in data.budget
        ],
        indicators=[
            Indicator(key=i.key, name=i.name, unit=i.unit, target=i.target, weight=i.weight) for i in data.indicators
        ],
    )
    project.flags = data.flags
    db.session.add(project)
    db.session.flush()
    due_items.open_registration_items(project, settings)
    db.session.flush()
    return project


def set_flags(project: Project, flags: list[Flag]) -> None:
    """Under the project row lock: the flags and the due items' copy of them change together,
    one change at a time."""
    lock_project(project)
    project.flags = flags
    due_items.set_key_tracking(project)


def find_project(user: User, project_id: int) -> Project:
    """The project, if the user may see it; 404 otherwise (they may not know it exists)."""
    # Ids are 32-bit integers in the database: a larger one names nothing (and PostgreSQL would refuse it).
    project = None
    if 0 < project_id <= 2**31 - 1:
        project = db.session.scalar(select(Project).options(joinedload(Project.plan)).where(Project.id == project_id))
    if project is None or not can_view_project(user, project):
        raise NotFound(_("No project %(id)s.", id=project_id))
    return project


@dataclass
class ProjectFilters:
    state: State | None = None
    level: Level | None = None
    plan_id: int | None = None
    organization_id: int | None = None
    flag: Flag | None = None
    q: str | None = None


def project_query(user: User, f: ProjectFilters):
    """Visible projects matching the filters, key-tracking first, newest next."""
    query = select(Project).options(joinedload(Project.plan)).where(visible_projects(user))
    if f.state is not None:
        query = query.where(Project.state == f.state)
    if f.level is not None:
        query = query.where(Project.plan_id.in_(select(Plan.id).where(Plan.level == f.level)))
    if f.plan_id is not None:
        query = query.where(Project.plan_id == f.plan_id)
    if f.organization_id is not None:
        query = query.where(Project.organization_id == f.organization_id)
    if f.flag is not None:
        query = query.where(getattr(Project, f"flag_{f.flag.value}").is_(True))
    if f.q:
        pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(Project.code.like(pattern, escape="\\"), Project.title.like(pattern, escape="\\")))
        if is_searchable(f.q) and db.session.get_bind().dialect.name == "sqlite":
            # The trigram index narrows to the rows containing q (case folded, so never fewer
            # than LIKE finds); the LIKE above keeps exactly today's matches. PostgreSQL's LIKE
            # uses its pg_trgm indexes as it stands (models.search).
            query = query.where(
                Project.id.in_(
                    select(literal_column("rowid"))
                    .select_from(table(SQLITE_TABLE))
                    .where(literal_column(SQLITE_TABLE).op("MATCH")(fts_phrase(f.q)))
                )
            )
    return query.order_by(Project.key_tracking.desc(), Project.id.desc())
