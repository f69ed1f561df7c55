"""A project's history as both faces show it (DESIGN §13): when the project was registered from an
application (by approval, or by a recommendation upward won with a plan), its history begins with the
application's transitions, oldest first, then the project's own. A fixed number of queries whatever
the number of rows."""

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Application, ApplicationTransition, TransitionRecord


def application_rows(project_id: int) -> list[ApplicationTransition]:
    """The transitions of the application the project was registered from (none without one): one query."""
    return list(
        db.session.scalars(
            select(ApplicationTransition)
            .options(joinedload(ApplicationTransition.actor))
            .join(Application, Application.id == ApplicationTransition.application_id)
            .where(Application.project_id == project_id)
            .order_by(ApplicationTransition.at, ApplicationTransition.id)
        )
    )


def _project_query(project_id: int):
    return (
        select(TransitionRecord)
        .options(joinedload(TransitionRecord.actor))
        .where(TransitionRecord.project_id == project_id)
        .order_by(TransitionRecord.at, TransitionRecord.id)
    )


def project_rows(project_id: int) -> list[TransitionRecord]:
    """The project's own transitions, oldest first: one query."""
    return list(db.session.scalars(_project_query(project_id)))


@dataclass
class HistoryPage:
    application_rows: list[ApplicationTransition]
    project_rows: list[TransitionRecord]
    total: int


def history_page(project_id: int, offset: int, limit: int) -> HistoryPage:
    """Rows offset … offset+limit of the application's rows followed by the project's: three queries
    (the application's rows, the count of the project's, the page of the project's)."""
    before = application_rows(project_id)
    shown = before[offset : offset + limit]
    own = db.session.scalar(select(func.count(TransitionRecord.id)).where(TransitionRecord.project_id == project_id))
    rest = limit - len(shown)
    rows = []
    if rest > 0:
        query = _project_query(project_id).limit(rest).offset(max(0, offset - len(before)))
        rows = list(db.session.scalars(query))
    return HistoryPage(shown, rows, len(before) + own)
