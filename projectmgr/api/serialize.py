"""JSON shapes of the API (API.md). Money as strings with two decimals, dates as YYYY-MM-DD."""

from datetime import date, datetime
from decimal import Decimal

from ..models import Organization, Plan, Project, TransitionRecord, User
from ..rules.money import format_money


def money(value: Decimal | None) -> str | None:
    return None if value is None else format_money(value)


def day(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds") + "Z"


def number(value: Decimal | None) -> str | None:
    """Indicator values: exact, without trailing zeros."""
    if value is None:
        return None
    text = f"{value.normalize():f}"
    return text


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


def project_summary(project: Project) -> dict:
    return {
        "id": project.id,
        "code": project.code,
        "title": project.title,
        "level": project.plan.level.value,
        "plan_id": project.plan_id,
        "organization_id": project.organization_id,
        "owner_id": project.owner_id,
        "responsible_staff_id": project.responsible_staff_id,
        "industry": project.industry,
        "state": project.state.value,
        "version": project.version,
        "start_date": day(project.start_date),
        "end_date": day(project.end_date),
        "flags": project.flags,
        "special_funds": money(project.special_funds),
        "self_raised_committed": money(project.self_raised_committed),
    }


def history_json(record: TransitionRecord, staff: bool = True) -> dict:
    """staff=False: without the panel members' individual totals of a conclusion (blind scoring)."""
    details = record.details
    if not staff and details and "totals" in details:
        details = {k: v for k, v in details.items() if k != "totals"}
    return {
        "trigger": record.trigger,
        "from_state": record.from_state.value,
        "to_state": record.to_state.value,
        "actor": record.actor.username if record.actor else "system",
        "at": instant(record.at),
        "comment": record.comment,
        "details": details,
    }
