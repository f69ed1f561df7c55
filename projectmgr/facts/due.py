"""Reads of a project's due items (DESIGN §7): what is open, what has expired."""

from datetime import date

from sqlalchemy import or_, select

from ..extensions import db
from ..models import DueItem, DueKind, Project

# Acceptance applications and rectifications left open past their due date fail the project.
EXPIRING_KINDS = (DueKind.acceptance_application, DueKind.rectification)


def open_at(as_of: date):
    """SQL: the item was still open on as_of."""
    return or_(DueItem.closed_on.is_(None), DueItem.closed_on > as_of)


def items_of(project: Project, *kinds: DueKind, only_open: bool = True) -> list[DueItem]:
    query = select(DueItem).where(DueItem.project_id == project.id)
    if kinds:
        query = query.where(DueItem.kind.in_(kinds))
    if only_open:
        query = query.where(DueItem.closed_on.is_(None))
    return list(db.session.scalars(query.order_by(DueItem.due_date, DueItem.id)))


def expired_items(project: Project, as_of: date) -> list[DueItem]:
    """Open acceptance applications and rectifications past their due date on as_of. One query."""
    return list(
        db.session.scalars(
            select(DueItem)
            .where(
                DueItem.project_id == project.id,
                DueItem.kind.in_(EXPIRING_KINDS),
                DueItem.closed_on.is_(None),
                DueItem.due_date < as_of,
            )
            .order_by(DueItem.due_date, DueItem.id)
        )
    )
