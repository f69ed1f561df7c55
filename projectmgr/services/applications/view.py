"""Calls, applications, objections and recommendations as the API returns them and the pages show
them: plain data, in the formats of services.project_view."""

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ...extensions import db
from ...models import Application, ApplicationTransition, Call, Objection, UpwardRecommendation, User
from ...permissions import can_check_applications
from ...rules.settings import RuleSettings
from ..project_view import attributes, day, instant, money, number
from .forms import attachments_of
from .machine import allowed_triggers
from .notice import Ranked, objections_of


def call_json(call: Call, as_of: date) -> dict:
    return {
        "id": call.id,
        "plan_id": call.plan_id,
        "plan": call.plan.name,
        "title": call.title,
        "opens_on": day(call.opens_on),
        "closes_on": day(call.closes_on),
        "open": call.is_open(as_of),
        "guide": call.guide,
        "max_special_funds": money(call.max_special_funds),
        "fields": call.fields or [],
    }


def application_summary(application: Application) -> dict:
    return {
        **attributes(application, "id call_id title organization_id owner_id project_id version"),
        "state": application.state.value,
        "special_funds": money(application.special_funds),
        "self_raised_committed": money(application.self_raised_committed),
        "submitted_on": day(application.submitted_on),
        "score": None if application.score is None else f"{application.score:.2f}",
        "notice_until": day(application.notice_until),
    }


def history_rows(application_id: int) -> list[ApplicationTransition]:
    return list(
        db.session.scalars(
            select(ApplicationTransition)
            .options(joinedload(ApplicationTransition.actor))
            .where(ApplicationTransition.application_id == application_id)
            .order_by(ApplicationTransition.at, ApplicationTransition.id)
        )
    )


def history_json(row: ApplicationTransition, staff: bool) -> dict:
    data = {
        "trigger": row.trigger,
        "from_state": row.from_state.value,
        "to_state": row.to_state.value,
        "at": instant(row.at),
        "comment": row.comment,
        "actor": row.actor.display_name if row.actor else None,
    }
    if staff:
        data["details"] = row.details
    return data


def objection_json(o: Objection, staff: bool) -> dict:
    data = {
        "id": o.id,
        "text": o.text,
        "raised_at": instant(o.raised_at),
        "resolved": o.resolved_at is not None,
        "upheld": o.upheld,
        "resolution": o.resolution,
    }
    if staff:
        data["raised_by_id"] = o.raised_by_id
    return data


def application_detail(application: Application, user: User, settings: RuleSettings, as_of: date) -> dict:
    staff = can_check_applications(user)
    data = application_summary(application)
    data.update(
        industry=application.industry,
        summary=application.summary,
        start_date=day(application.start_date),
        end_date=day(application.end_date),
        granted_funds=money(application.granted_funds),
        budget=[
            {"category": b.category.value, "special": money(b.special), "self_raised": money(b.self_raised)}
            for b in application.budget_lines
        ],
        indicators=[
            {"key": i.key, "name": i.name, "unit": i.unit, "target": number(i.target), "weight": number(i.weight)}
            for i in application.indicators
        ],
        attachments=[
            {"id": a.id, "kind": a.kind.value, "filename": a.filename, "type": a.file_type, "size": a.size}
            for a in attachments_of(application)
        ],
        objections=[objection_json(o, staff) for o in objections_of(application)],
        history=[history_json(r, staff) for r in history_rows(application.id)],
        allowed_triggers=allowed_triggers(application, user, settings, as_of),
    )
    return data


def ranked_json(r: Ranked) -> dict:
    data = application_summary(r.application)
    data.update(rank=r.rank, organization=r.organization, suggested_funds=money(r.suggested_funds))
    return data


def recommendation_json(r: UpwardRecommendation) -> dict:
    return {
        **attributes(r, "id application_id organization_id title programme year document_no project_id"),
        "level": r.level.value,
        "submitted_on": day(r.submitted_on),
        "outcome": r.outcome.value if r.outcome else None,
        "decided_on": day(r.decided_on),
        "granted_funds": money(r.granted_funds),
    }
