"""Projects, their lifecycle, funds, reports and extensions."""

from datetime import date

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import Flag, Level, State
from ..permissions import OWNERS, STAFF, can_see_history_details
from ..schemas import ProjectIn
from ..services import funds, settings
from ..services.indicators import set_indicators
from ..services.project_history import history_page
from ..services.project_list import filters_key, page_start, project_rows, project_total, scope_of
from ..services.project_view import day, instant, money, project_detail, project_summary
from ..services.projects import (
    BudgetInput,
    IndicatorInput,
    ProjectFilters,
    ProjectInput,
    find_project,
    register_project,
    set_flags,
)
from ..services.transitions import transition
from ..summary_cache import cached
from . import schemas
from .core import as_of, encoded_json, json_answer, make_cursor, page_args, q_enum, q_int, read_cursor, tagged_route
from .serialize import application_step_json, project_step_json

route = tagged_route("projects")

OWNER = OWNERS.noting("the project's owner (any owner of its organization)")


def project_filters() -> ProjectFilters:
    """The list filters from the query string; a bad value is a 422 naming the parameter."""
    return ProjectFilters(
        state=q_enum("state", State),
        level=q_enum("level", Level),
        plan_id=q_int("plan_id"),
        organization_id=q_int("organization_id"),
        flag=q_enum("flag", Flag),
        q=(request.args.get("q") or "").strip()[:100] or None,
    )


def registration_input(data, **given) -> ProjectInput:
    """A registration body (ProjectIn, or RecommendedProjectIn with what the recommendation gives)
    as the registration service takes it."""
    return ProjectInput(
        **data.model_dump(exclude={"budget", "indicators"}),
        **given,
        budget=[BudgetInput(**b.model_dump()) for b in data.budget],
        indicators=[IndicatorInput(**i.model_dump()) for i in data.indicators],
    )


@route("/projects", "POST", status=201, roles=STAFF.refusing(_l("Only bureau staff register projects.")))
def create_project(user, data: ProjectIn):
    """Register a project"""
    payload = registration_input(data)
    when = date.today()
    project = register_project(user, payload, settings(), when)
    return project_detail(project, user, when)


@route(
    "/projects",
    query={
        "state": "state name",
        "level": "national|provincial|municipal",
        "plan_id": "plan id",
        "organization_id": "organization id",
        "flag": "major|problematic|seasonal",
        "q": "search in code and title",
        "page": "page number",
        "per_page": "items per page (max 200)",
        "cursor": "the next_cursor of the previous page (instead of page)",
    },
)
def list_projects(user):
    """List projects (owners: their organization's; experts: their panels')

    A page by number (`page`) or from a position (`cursor`, as `next_cursor` gave it); the page
    itself, its total and its next cursor are cached under the data version (summary_cache)."""
    filters = project_filters()
    key = filters_key(filters)
    start = read_cursor(key)
    page, per_page = page_args()

    def answer() -> bytes:
        first = start if start is not None else page_start(user, filters, page, per_page)
        rows = project_rows(user, filters, per_page, first)
        return encoded_json(
            {
                "items": [project_summary(p) for p in rows.projects],
                "total": project_total(user, filters),
                "page": None if start is not None else page,
                "per_page": per_page,
                "next_cursor": make_cursor(key, rows.next_key) if rows.next_key else None,
            }
        )

    return json_answer(cached(("api_projects", scope_of(user), key, start, None if start else page, per_page), answer))


@route("/projects/<int:project_id>", query={"as_of": "YYYY-MM-DD"})
def get_project(user, project_id: int):
    """A project with its figures, checks, due items and allowed triggers"""
    return project_detail(find_project(user, project_id), user, as_of())


@route("/projects/<int:project_id>/flags", "PUT", roles=STAFF.refusing(_l("Only bureau staff flag projects.")))
def put_flags(user, project_id: int, data: schemas.FlagsIn):
    """Set the key-tracking flags"""
    project = find_project(user, project_id)
    if data.version is not None and data.version != project.version:
        from ..errors import StaleVersion

        raise StaleVersion(
            _(
                "Version %(version)s is not the current version %(current)s.",
                version=data.version,
                current=project.version,
            )
        )
    set_flags(project, data.flags)
    db.session.flush()
    return project_detail(project, user, date.today())


@route(
    "/projects/<int:project_id>/transitions",
    "POST",
    tag="lifecycle",
    roles="per trigger: staff, or the project's owner",
)
def post_transition(user, project_id: int, data: schemas.TransitionIn):
    """Fire a lifecycle trigger"""
    project = find_project(user, project_id)
    params = data.model_dump(exclude={"trigger", "version"}, exclude_none=True)
    when = date.today()
    outcome = transition(project, data.trigger, user, settings(), when, params, data.version)
    result = project_detail(project, user, when)
    if outcome.decision is not None:
        result["decision"] = outcome.decision
    return result


@route(
    "/projects/<int:project_id>/history",
    tag="lifecycle",
    query={"page": "page number", "per_page": "items per page (max 200)"},
)
def get_history(user, project_id: int):
    """The project's transitions, oldest first, after its application's

    A project registered from an application begins with the application's rows (DESIGN §13):
    each row says whose it is (`record`: application | project)."""
    project = find_project(user, project_id)
    page, per_page = page_args()
    staff = can_see_history_details(user)
    rows = history_page(project.id, (page - 1) * per_page, per_page)
    items = [application_step_json(r, staff) for r in rows.application_rows]
    items += [project_step_json(r, staff) for r in rows.project_rows]
    return {"items": items, "total": rows.total, "page": page, "per_page": per_page}


@route(
    "/projects/<int:project_id>/disbursements",
    "POST",
    tag="funds",
    status=201,
    roles=STAFF.refusing(_l("Only bureau staff record disbursements.")),
)
def post_disbursement(user, project_id: int, data: schemas.DisbursementIn):
    """Record a disbursement of special funds"""
    project = find_project(user, project_id)
    row = funds.record_disbursement(user, project, data.date, data.amount)
    return {"id": row.id, "project_id": project.id, "date": day(row.date), "amount": money(row.amount)}


@route("/projects/<int:project_id>/self-raised", "POST", tag="funds", status=201, roles=OWNER)
def post_self_raised(user, project_id: int, data: schemas.SelfRaisedIn):
    """Record self-raised funds received"""
    project = find_project(user, project_id)
    row = funds.record_self_raised(user, project, data.date, data.amount, data.note)
    return {
        "id": row.id,
        "project_id": project.id,
        "date": day(row.date),
        "amount": money(row.amount),
        "note": row.note,
    }


@route("/projects/<int:project_id>/expenditures", "POST", tag="funds", status=201, roles=OWNER)
def post_expenditure(user, project_id: int, data: schemas.ExpenditureIn):
    """Record an expenditure"""
    project = find_project(user, project_id)
    row = funds.record_expenditure(user, project, data.date, data.category, data.source, data.amount, data.voucher)
    return {
        "id": row.id,
        "project_id": project.id,
        "date": day(row.date),
        "category": row.category.value,
        "source": row.source.value,
        "amount": money(row.amount),
        "voucher": row.voucher,
    }


@route("/projects/<int:project_id>/reports", "POST", tag="reports", status=201, roles=OWNER)
def post_report(user, project_id: int, data: schemas.ReportIn):
    """Submit a survey or acceptance report"""
    project = find_project(user, project_id)
    report = funds.submit_report(
        user, project, data.kind, data.summary, [(a.key, a.achieved) for a in data.indicators], data.separate_account
    )
    return {
        "id": report.id,
        "project_id": project.id,
        "kind": report.kind.value,
        "summary": report.summary,
        "separate_account": report.separate_account,
        "submitted_at": instant(report.submitted_at),
    }


@route("/projects/<int:project_id>/extension", "POST", tag="lifecycle", status=201, roles=OWNER)
def post_extension(user, project_id: int, data: schemas.ExtensionIn):
    """Request an extension (at most once, ≤ 12 months)"""
    project = find_project(user, project_id)
    row = funds.request_extension(user, project, data.new_end_date, data.reason, settings(), date.today())
    return {
        "project_id": project.id,
        "new_end_date": day(row.new_end_date),
        "reason": row.reason,
        "status": row.status.value,
    }


@route(
    "/projects/<int:project_id>/extension/decision",
    "POST",
    tag="lifecycle",
    query={"as_of": "YYYY-MM-DD"},
    roles=STAFF.refusing(_l("Only bureau staff decide extension requests.")),
)
def post_extension_decision(user, project_id: int, data: schemas.ExtensionDecisionIn):
    """Approve or refuse the extension request"""
    project = find_project(user, project_id)
    when = as_of()
    funds.decide_extension(user, project, data.approve, settings(), when)
    return project_detail(project, user, when)


@route(
    "/projects/<int:project_id>/indicators",
    "PUT",
    query={"as_of": "YYYY-MM-DD"},
    roles=STAFF.refusing(_l("Only bureau staff set a project's indicators.")),
)
def put_indicators(user, project_id: int, data: schemas.IndicatorsIn):
    """Set or adjust the task book's indicators, before the acceptance is applied for"""
    project = find_project(user, project_id)
    when = as_of()
    items = [IndicatorInput(i.key, i.name, i.unit, i.target, i.weight) for i in data.indicators]
    set_indicators(user, project, items, data.comment, settings(), when)
    return project_detail(project, user, when)
