from datetime import date, datetime

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .columns import ProjectPart
from .enums import DueKind, Level, State


class DueItem(ProjectPart, db.Model):
    """An obligation with a due date (待办事项). Open until closed_on; overdue when open after due_date."""

    __tablename__ = "due_item"
    __table_args__ = (
        db.UniqueConstraint("project_id", "kind", "due_date", name="uq_due_item_project_kind_due"),
        CheckConstraint("kind != 'annual_evaluation' OR year IS NOT NULL", name="evaluation_has_year"),
        # Counting the radar's open, past-due items (by level and kind) from the index alone:
        # "never closed" and "closed after as_of" are each one range of it.
        Index("ix_due_item_open", "closed_on", "due_date", "level", "kind"),
    )

    # from ProjectPart: id, project_id
    kind: Mapped[DueKind] = mapped_column(enum_type(DueKind, "due_kind"))
    # The project's level (its plan's, which never changes), copied so that the radar filters
    # and counts by level without joining every overdue item to its project and plan.
    level: Mapped[Level] = mapped_column(enum_type(Level, "level"))
    due_date: Mapped[date]
    year: Mapped[int | None]  # the evaluated year, for annual_evaluation
    closed_on: Mapped[date | None]
    # Copied from the project (kept in step by services.projects.set_flags) so the radar's
    # "key tracking first" order is served by an index instead of a sort over every open item.
    key_tracking: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship()  # noqa: F821

    def is_open(self, as_of: date) -> bool:
        return self.closed_on is None or self.closed_on > as_of


# The overdue radar's order: key-tracking first, then the oldest due date. The index runs in that
# order (DESC on key_tracking only), so a page reads just its rows instead of sorting a scan.
Index("ix_due_item_radar", DueItem.key_tracking.desc(), DueItem.due_date, DueItem.closed_on)


class TransitionRecord(ProjectPart, db.Model):
    """One row per lifecycle transition, written in the transition's own transaction."""

    __tablename__ = "transition_record"

    # from ProjectPart: id, project_id
    trigger: Mapped[str] = mapped_column(String(32))
    # None: from nothing (a project moved in from a workbook, lifecycle/migrate.py).
    from_state: Mapped[State | None] = mapped_column(enum_type(State, "from_state"))
    to_state: Mapped[State] = mapped_column(enum_type(State, "to_state"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the system (sweep)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)
    # Tamper evidence (issue 13 item 8): sha256 over the previous row's hash and this row's
    # content, set by projectmgr.audit.chain when the row is flushed.
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    row_hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821
