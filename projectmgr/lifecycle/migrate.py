"""The one entry into the lifecycle that is not a transition: a project moved in from a bureau's
own workbook (API.md "Moving in") enters at the state it is already in.

Every other change of `state` goes through the transition table (lifecycle/__init__.py); this is
the only way a project reaches a state other than `approved` without one. It is allowed only for
a project being created in the same transaction, and writes its one history row `migrate`, from
nothing (from_state None) to the state, with the importing user as actor and a comment naming the file."""

from ..extensions import db
from ..models import Project, State, TransitionRecord, User
from ..models.base import utcnow

MIGRATE = "migrate"
# A state a bureau's sheet can say a running or finished project is in. A project under expert
# review, in a survey window or already evaluated needs records the sheet does not hold (a panel,
# a survey due date, a grade): it moves in one step earlier and continues here.
MIGRATABLE_STATES = (
    State.approved,
    State.in_progress,
    State.acceptance_applied,
    State.rectifying,
    State.accepted,
    State.closed_out,
    State.failed,
    State.terminated,
)


def enter_migrated(project: Project, state: State, actor: User, comment: str) -> TransitionRecord:
    """Put a new (flushed) project into `state` and write its `migrate` history row. Does not commit."""
    if state not in MIGRATABLE_STATES:
        raise ValueError(f"a project cannot move in at state {state.value}")
    project.state = state
    project.state_changed_at = utcnow()
    record = TransitionRecord(
        project_id=project.id, trigger=MIGRATE, from_state=None, to_state=state, actor_id=actor.id, comment=comment
    )
    db.session.add(record)
    return record
