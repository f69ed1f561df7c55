"""The daily sweep (DESIGN §7): expire every project whose acceptance application or
rectification is still open after its due date. Idempotent: a second run finds nothing.

Each project is swept in its own savepoint: a project that cannot be expired (a bug, a record the
database refuses) is rolled back alone, logged and reported under `failed`; the others go through,
and the failed one is tried again by the next day's sweep (it is still open and overdue)."""

import logging
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..extensions import db
from ..facts.due import EXPIRING_KINDS, open_at
from ..lifecycle import EXPIRABLE
from ..models import DueItem, Project
from ..permissions import SYSTEM
from ..rules.settings import RuleSettings
from .reminders import queue_expiry_notice
from .transitions import transition

log = logging.getLogger(__name__)


@dataclass
class SweepResult:
    changed: list[dict] = field(default_factory=list)  # project_id, code, from_state, to_state, reason
    failed: list[dict] = field(default_factory=list)  # project_id, code, error: retried next day


def _due(as_of: date) -> list[Project]:
    return list(
        db.session.scalars(
            select(Project)
            .where(
                Project.state.in_(EXPIRABLE),
                Project.id.in_(
                    select(DueItem.project_id).where(
                        DueItem.kind.in_(EXPIRING_KINDS), DueItem.due_date < as_of, open_at(as_of)
                    )
                ),
            )
            .order_by(Project.id)
        )
    )


def _expire(project: Project, as_of: date, settings: RuleSettings) -> None:
    outcome = transition(project, "expire", SYSTEM, settings, as_of)
    # The items the expire guard found, read once: each missed obligation gets its notice.
    for item in outcome.context.expired:
        queue_expiry_notice(item, as_of)


def run_sweep(as_of: date, settings: RuleSettings) -> SweepResult:
    result = SweepResult()
    for project in _due(as_of):
        project_id, code, before = project.id, project.code, project.state
        try:
            with db.session.begin_nested():
                _expire(project, as_of, settings)
        except Exception as exc:  # one project's failure must not undo or stop the others
            log.exception("sweep as of %s: project %s (%s) not expired; retried next run", as_of, code, project_id)
            result.failed.append({"project_id": project_id, "code": code, "error": f"{type(exc).__name__}: {exc}"})
            continue
        result.changed.append(
            {
                "project_id": project_id,
                "code": code,
                "from_state": before.value,
                "to_state": project.state.value,
                "reason": project.conclusion_rule,
            }
        )
    return result
