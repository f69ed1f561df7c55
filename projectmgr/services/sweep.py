"""The daily sweep (DESIGN §7): expire every project whose acceptance application or
rectification is still open after its due date. Idempotent: a second run finds nothing."""

from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..lifecycle import BY_TRIGGER
from ..models import DueItem, Project
from ..permissions import SYSTEM
from ..rules.settings import RuleSettings
from .due_items import EXPIRING_KINDS, expired_items, open_at
from .reminders import queue_expiry_notice
from .transitions import transition


def run_sweep(as_of: date, settings: RuleSettings) -> list[dict]:
    sources = BY_TRIGGER["expire"].sources
    projects = db.session.scalars(
        select(Project)
        .where(
            Project.state.in_(sources),
            Project.id.in_(
                select(DueItem.project_id).where(
                    DueItem.kind.in_(EXPIRING_KINDS), DueItem.due_date < as_of, open_at(as_of)
                )
            ),
        )
        .order_by(Project.id)
    ).all()
    changed = []
    for project in projects:
        before = project.state
        expired = expired_items(project, as_of)  # what the expire guard finds; closed by the transition
        transition(project, "expire", SYSTEM, settings, as_of)
        for item in expired:
            queue_expiry_notice(item, as_of)
        changed.append(
            {
                "project_id": project.id,
                "code": project.code,
                "from_state": before.value,
                "to_state": project.state.value,
                "reason": project.conclusion_rule,
            }
        )
    return changed
