"""Recommendations upward (推荐) to provincial and national programmes, their outcomes, and the
ledger's count of projects won."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from ...errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ...models import Application, Level, Organization, Outcome, Plan, Project, UpwardRecommendation, User
from ...permissions import can_recommend, require
from ...rules.settings import RuleSettings
from ...schemas import RecommendationIn
from ..projects import ProjectInput, register_project, registration_errors
from .machine import register_from_application


def recommend(actor: User, data: RecommendationIn) -> UpwardRecommendation:
    require(can_recommend(actor), _("Only bureau staff recommend upward."))
    errors = []
    if data.level == Level.municipal:
        errors.append({"field": "level", "message": _("Recommendations go to national or provincial programmes.")})
    title, organization_id = data.title, data.organization_id
    if data.application_id is not None:
        application = db.session.get(Application, data.application_id)
        if application is None:
            errors.append({"field": "application_id", "message": _("No such application.")})
        else:
            title, organization_id = title or application.title, application.organization_id
    else:
        if not title:
            errors.append({"field": "title", "message": _("Required without an application.")})
        if organization_id is None:
            errors.append({"field": "organization_id", "message": _("Required without an application.")})
        elif db.session.get(Organization, organization_id) is None:
            errors.append({"field": "organization_id", "message": _("No such organization.")})
    if errors:
        raise ValidationFailed(errors)
    # The title and organization from the application, if it names one; the level as the column's enum.
    filled = {"title": title, "organization_id": organization_id, "level": Level(data.level)}
    row = UpwardRecommendation(**(data.model_dump() | filled), created_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    return row


def find_recommendation(recommendation_id: int) -> UpwardRecommendation:
    row = db.session.get(UpwardRecommendation, recommendation_id) if 0 < recommendation_id <= 2**31 - 1 else None
    if row is None:
        raise NotFound(_("No recommendation %(id)s.", id=recommendation_id))
    return row


def record_outcome(
    actor: User, row: UpwardRecommendation, outcome: Outcome, document_no: str, settings: RuleSettings, on: date,
    plan_id: int | None = None, special_funds: Decimal | None = None, code: str | None = None,
    registration: ProjectInput | None = None,
) -> Project | None:
    """Won or not won, with the higher authority's document number; a win with a plan registers the
    project, as approval does: from the application (its budget, indicators and attachments), or for
    a direct recommendation from `registration` (POST /projects' fields less the title and the
    organization, which are the recommendation's). All or nothing: a refusal writes nothing."""
    require(can_recommend(actor), _("Only bureau staff record outcomes."))
    _lock(row)
    if row.outcome is not None:
        raise Conflict(_("The outcome is recorded already."))
    if special_funds is not None and outcome != Outcome.won:
        raise ValidationFailed.one("special_funds", _("Only a won recommendation has a grant."))
    project = None
    if row.application_id is None and (plan_id is not None or registration is not None):
        project = _register_direct(actor, row, outcome, settings, on, plan_id, special_funds, code, registration)
    elif plan_id is not None or registration is not None:
        project = _register_application(actor, row, outcome, settings, on, plan_id, special_funds, code, registration)
    row.outcome = outcome
    row.document_no = document_no
    row.decided_on = on
    if outcome == Outcome.won and row.granted_funds is None:
        row.granted_funds = project.special_funds if project is not None else special_funds
    db.session.flush()
    return project


def _lock(row: UpwardRecommendation) -> None:
    db.session.execute(select(UpwardRecommendation.id).where(UpwardRecommendation.id == row.id).with_for_update())


def _registration_problems(row: UpwardRecommendation, outcome: Outcome, plan_id: int | None) -> list[dict]:
    """What stops either kind of recommendation from registering its project: it was not won, or
    the plan is not one of its level."""
    if outcome != Outcome.won:
        return [{"field": "plan_id", "message": _("Only a won recommendation registers a project.")}]
    problem = _plan_problem(row, plan_id)
    return [problem] if problem else []


def _plan_problem(row: UpwardRecommendation, plan_id: int | None) -> dict | None:
    plan = db.session.get(Plan, plan_id) if plan_id is not None else None
    if plan is None or plan.level != row.level:
        return {"field": "plan_id", "message": _("No %(level)s plan with this id.", level=row.level.value)}
    return None


def _register_application(actor, row, outcome, settings, on, plan_id, special_funds, code, registration) -> Project:
    errors = _registration_problems(row, outcome, plan_id)
    if registration is not None:
        errors.append(
            {
                "field": "project",
                "message": _("The application gives the registration: send code and special_funds only."),
            }
        )
    application = db.session.get(Application, row.application_id)
    if application.project_id is not None:
        errors.append({"field": "plan_id", "message": _("The application's project is registered already.")})
    if special_funds is not None and special_funds > application.special_funds:
        errors.append({"field": "special_funds", "message": _("The grant is above the requested funds.")})
    if not code:
        errors.append({"field": "code", "message": _("Required: the new project's code.")})
    if errors:
        raise ValidationFailed(errors)
    params = {"code": code, "special_funds": special_funds or application.special_funds}
    project = register_from_application(actor, application, settings, on, params, plan_id=plan_id)
    row.project_id = project.id
    return project


def _in_project(field: str) -> str:
    """Where the outcome body names a registration field: the plan beside the outcome, the rest in `project`."""
    return field if field == "plan_id" else f"project.{field}"


def _register_direct(actor, row, outcome, settings, on, plan_id, special_funds, code, registration) -> Project:
    """A direct recommendation won with a plan: its project registered by the registration service."""
    errors = _registration_problems(row, outcome, plan_id)
    if code is not None:
        errors.append({"field": "code", "message": _("Give the new project's code as project.code.")})
    if registration is None:
        errors.append(
            {
                "field": "project",
                "message": _("Required: the registration of the project (a direct recommendation has no application)."),
            }
        )
    else:
        registration = replace(registration, title=row.title, organization_id=row.organization_id, plan_id=plan_id)
        if special_funds is not None and special_funds != registration.special_funds:
            errors.append({"field": "special_funds", "message": _("Differs from project.special_funds.")})
        if outcome == Outcome.won and plan_id is not None:
            # The plan is checked above (of the recommendation's level); the rest as POST /projects checks it.
            errors += [
                {**e, "field": _in_project(e["field"])}
                for e in registration_errors(registration)
                if e["field"] != "plan_id"
            ]
    if errors:
        raise ValidationFailed(errors)
    project = register_project(actor, registration, settings, on)
    row.project_id = project.id
    return project


def registrable(row: UpwardRecommendation) -> bool:
    """A won direct recommendation whose project is not registered yet (the pages offer "Register its project")."""
    return row.outcome == Outcome.won and row.application_id is None and row.project_id is None


def register_recommended(
    actor: User, row: UpwardRecommendation, data: ProjectInput, settings: RuleSettings, on: date
) -> Project:
    """The project of a won direct recommendation, registered after its outcome (the pages' new-project
    form, started from the recommendation): the registration service, the recommendation's
    organization and a plan of its level; the recommendation then links the project."""
    require(can_recommend(actor), _("Only bureau staff record outcomes."))
    _lock(row)
    if not registrable(row):
        raise Conflict(_("Only a won direct recommendation without a project registers one."))
    errors = []
    if data.organization_id != row.organization_id:
        errors.append(
            {
                "field": "organization_id",
                "message": _("The recommendation is for %(name)s.", name=row.organization.name),
            }
        )
    plan = db.session.get(Plan, data.plan_id) if data.plan_id else None
    if plan is not None and plan.level != row.level:
        errors.append({"field": "plan_id", "message": _("No %(level)s plan with this id.", level=row.level.value)})
    errors += registration_errors(data)
    if errors:
        raise ValidationFailed(errors)
    project = register_project(actor, data, settings, on)
    row.project_id = project.id
    if row.granted_funds is None:
        row.granted_funds = project.special_funds
    db.session.flush()
    return project


def recommendation_of_project(project_id: int) -> UpwardRecommendation | None:
    """The won recommendation that registered the project, if any (its page links back)."""
    return db.session.scalar(select(UpwardRecommendation).where(UpwardRecommendation.project_id == project_id))


def recommendation_query(year: int | None, level: Level | None, outcome: str | None):
    query = select(UpwardRecommendation).order_by(UpwardRecommendation.submitted_on.desc(), UpwardRecommendation.id)
    if year is not None:
        query = query.where(UpwardRecommendation.year == year)
    if level is not None:
        query = query.where(UpwardRecommendation.level == level)
    if outcome == "pending":
        query = query.where(UpwardRecommendation.outcome.is_(None))
    elif outcome is not None:
        query = query.where(UpwardRecommendation.outcome == Outcome(outcome))
    return query


def won_in_year(year: int) -> int:
    """The ledger's `national_provincial_won`: the year's won recommendations plus the year's
    national and provincial projects registered without one; a won recommendation that registered
    its project counts once."""
    won = db.session.scalar(
        select(func.count(UpwardRecommendation.id)).where(
            UpwardRecommendation.year == year, UpwardRecommendation.outcome == Outcome.won
        )
    )
    without = db.session.scalar(
        select(func.count(Project.id))
        .join(Plan, Plan.id == Project.plan_id)
        .outerjoin(
            UpwardRecommendation,
            and_(UpwardRecommendation.project_id == Project.id, UpwardRecommendation.outcome == Outcome.won),
        )
        .where(
            Plan.year == year,
            or_(Plan.level == Level.national, Plan.level == Level.provincial),
            UpwardRecommendation.id.is_(None),
        )
    )
    return won + without
