"""JSON shapes of the API (API.md) for the registry and the history. The project's shape and the
formats of money, dates and instants are services.project_view's, which the pages share."""

from ..models import ApplicationTransition, Organization, Plan, TransitionRecord, User
from ..services.project_view import instant


def user_json(user: User) -> dict:
    data = {
        "id": user.id,
        "username": user.username,
        "role": user.role.value,
        "display_name": user.display_name,
        "organization_id": user.organization_id,
    }
    if user.expert is not None:
        data["expert"] = {
            "fields": user.expert.fields,
            "finance": user.expert.finance,
            "title": user.expert.title,
            "conflict_organization_ids": user.expert.conflict_organization_ids,
        }
    return data


def organization_json(org: Organization) -> dict:
    return {"id": org.id, "name": org.name, "kind": org.kind.value, "credit_code": org.credit_code}


def plan_json(plan: Plan) -> dict:
    return {
        "id": plan.id,
        "name": plan.name,
        "level": plan.level.value,
        "year": plan.year,
        "min_self_raised_ratio": f"{plan.min_self_raised_ratio:.2f}",
        "panel_min_size": plan.panel_min_size,
        "panel_min_finance": plan.panel_min_finance,
        "aggregation": plan.aggregation.value,
    }


def history_json(record: TransitionRecord, staff: bool = True) -> dict:
    """staff=False: without the panel members' individual totals of a conclusion (blind scoring)."""
    details = record.details
    if not staff and details and "totals" in details:
        details = {k: v for k, v in details.items() if k != "totals"}
    return {
        "trigger": record.trigger,
        "from_state": record.from_state.value if record.from_state else None,
        "to_state": record.to_state.value,
        "actor": record.actor.username if record.actor else "system",
        "at": instant(record.at),
        "comment": record.comment,
        "details": details,
    }


def project_step_json(record: TransitionRecord, staff: bool) -> dict:
    """A row of GET /projects/{id}/history that is the project's own."""
    return history_json(record, staff) | {"record": "project", "application_id": None}


def application_step_json(row: ApplicationTransition, staff: bool) -> dict:
    """A row of GET /projects/{id}/history from the application the project was registered from,
    in the project history's shape (its details are the bureau's only, as on the application)."""
    return {
        "trigger": row.trigger,
        "from_state": row.from_state.value,
        "to_state": row.to_state.value,
        "actor": row.actor.username if row.actor else "system",
        "at": instant(row.at),
        "comment": row.comment,
        "details": row.details if staff else None,
        "record": "application",
        "application_id": row.application_id,
    }


def score_json(score) -> dict:
    """My submitted score sheet, for a project's panel or an application's review panel."""
    return {
        "scores": score.scores,
        "total": f"{score.total:.2f}",
        "recommendation": score.recommendation.value,
        "integrity_concern": score.integrity_concern,
        "comment": score.comment,
    }


def panel_members_json(panel) -> list[dict]:
    """The seats of a project's panel or an application's review panel."""
    return [
        {"expert_id": m.expert_id, "finance": m.finance, "conflict_declared": m.conflict_declared_at is not None}
        for m in panel.members
    ]


def conflict_json(member) -> dict:
    """A panel member's declared conflict of interest (either panel)."""
    return {"expert_id": member.expert_id, "conflict_declared": True}
