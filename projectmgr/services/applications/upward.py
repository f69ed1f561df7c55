"""Recommendations upward (推荐) to provincial and national programmes, their outcomes, and the
ledger's count of projects won."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from ...errors import Conflict, NotFound, ValidationFailed
from ...extensions import db
from ...models import Application, Level, Organization, Outcome, Plan, Project, UpwardRecommendation, User
from ...permissions import can_recommend, require
from ...rules.settings import RuleSettings
from .machine import register_from_application


@dataclass
class RecommendationInput:
    level: Level
    programme: str
    year: int
    submitted_on: date
    application_id: int | None = None
    title: str | None = None
    organization_id: int | None = None


def recommend(actor: User, data: RecommendationInput) -> UpwardRecommendation:
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
    row = UpwardRecommendation(
        application_id=data.application_id,
        organization_id=organization_id,
        title=title,
        level=data.level,
        programme=data.programme,
        year=data.year,
        submitted_on=data.submitted_on,
        created_by_id=actor.id,
    )
    db.session.add(row)
    db.session.flush()
    return row


def find_recommendation(recommendation_id: int) -> UpwardRecommendation:
    row = db.session.get(UpwardRecommendation, recommendation_id) if 0 < recommendation_id <= 2**31 - 1 else None
    if row is None:
        raise NotFound(_("No recommendation %(id)s.", id=recommendation_id))
    return row


def record_outcome(
    actor: User,
    row: UpwardRecommendation,
    outcome: Outcome,
    document_no: str,
    settings: RuleSettings,
    on: date,
    plan_id: int | None = None,
    special_funds: Decimal | None = None,
    code: str | None = None,
) -> Project | None:
    """Won or not won, with the higher authority's document number; a win with a plan registers the
    project from the application (its budget, indicators and attachments), as approval does."""
    require(can_recommend(actor), _("Only bureau staff record outcomes."))
    db.session.execute(select(UpwardRecommendation.id).where(UpwardRecommendation.id == row.id).with_for_update())
    if row.outcome is not None:
        raise Conflict(_("The outcome is recorded already."))
    project = None
    if plan_id is not None:
        errors = []
        plan = db.session.get(Plan, plan_id)
        if outcome != Outcome.won:
            errors.append({"field": "plan_id", "message": _("Only a won recommendation registers a project.")})
        elif plan is None or plan.level != row.level:
            errors.append({"field": "plan_id", "message": _("No %(level)s plan with this id.", level=row.level.value)})
        if row.application_id is None:
            errors.append(
                {
                    "field": "plan_id",
                    "message": _(
                        "Only a recommendation from an application has the budget and indicators to register."
                    ),
                }
            )
        application = db.session.get(Application, row.application_id) if row.application_id else None
        if application is not None and application.project_id is not None:
            errors.append({"field": "plan_id", "message": _("The application's project is registered already.")})
        if special_funds is not None and application is not None and special_funds > application.special_funds:
            errors.append({"field": "special_funds", "message": _("The grant is above the requested funds.")})
        if not code:
            errors.append({"field": "code", "message": _("Required: the new project's code.")})
        if errors:
            raise ValidationFailed(errors)
        params = {"code": code, "special_funds": special_funds or application.special_funds}
        project = register_from_application(actor, application, settings, on, params, plan_id=plan_id)
        row.project_id = project.id
    row.outcome = outcome
    row.document_no = document_no
    row.decided_on = on
    db.session.flush()
    return project


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
