from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .columns import IndicatorColumns, ProjectPart
from .enums import Flag, Grade, State
from .types import Money

_CONCLUDED = "('accepted', 'closed_out', 'failed', 'evaluated')"


class Project(db.Model):
    """A plan project (科技计划项目). Only the lifecycle changes `state`."""

    __tablename__ = "project"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("original_end_date >= start_date", name="original_end_after_start"),
        CheckConstraint("special_funds >= 0 AND self_raised_committed >= 0", name="funds_not_negative"),
        CheckConstraint(
            "key_tracking = (flag_major OR flag_problematic OR flag_seasonal)", name="key_tracking_derived"
        ),
        CheckConstraint("state != 'terminated' OR termination_reason IS NOT NULL", name="terminated_has_reason"),
        CheckConstraint(f"state NOT IN {_CONCLUDED} OR concluded_on IS NOT NULL", name="concluded_has_date"),
        CheckConstraint("state != 'evaluated' OR evaluation_grade IS NOT NULL", name="evaluated_has_grade"),
        CheckConstraint("state != 'rectifying' OR rectification_started_on IS NOT NULL", name="rectifying_has_start"),
        CheckConstraint("state != 'mid_year_survey' OR survey_due_date IS NOT NULL", name="survey_has_due"),
        CheckConstraint("rectification_count >= 0 AND rectification_count <= 1", name="one_rectification"),
        # Staff lists sort key-tracking projects first, newest next: these indexes serve that order.
        Index("ix_project_tracking_order", "key_tracking", "id"),
        Index("ix_project_state_order", "state", "key_tracking", "id"),
        # The dashboard's projects by state and level: counted from this index alone.
        Index("ix_project_state_plan", "state", "plan_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    responsible_staff_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    industry: Mapped[str | None] = mapped_column(String(100))

    flag_major: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_problematic: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_seasonal: Mapped[bool] = mapped_column(Boolean, default=False)
    # Stored (and checked equal to the flags above) so lists can sort by it through an index.
    key_tracking: Mapped[bool] = mapped_column(Boolean, default=False)

    start_date: Mapped[date]
    end_date: Mapped[date]  # effective end date, after an approved extension
    original_end_date: Mapped[date]  # the task book's
    special_funds: Mapped[Decimal] = mapped_column(Money())
    self_raised_committed: Mapped[Decimal] = mapped_column(Money())

    state: Mapped[State] = mapped_column(enum_type(State, "state"), default=State.approved)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    survey_due_date: Mapped[date | None]
    rectification_started_on: Mapped[date | None]
    rectification_count: Mapped[int] = mapped_column(default=0)
    concluded_on: Mapped[date | None]
    conclusion_document_no: Mapped[str | None] = mapped_column(String(100))
    conclusion_rule: Mapped[str | None] = mapped_column(Text)
    termination_reason: Mapped[str | None] = mapped_column(Text)
    evaluation_grade: Mapped[Grade | None] = mapped_column(enum_type(Grade, "grade"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    plan: Mapped["Plan"] = relationship()  # noqa: F821
    organization: Mapped["Organization"] = relationship()  # noqa: F821
    owner: Mapped["User"] = relationship(foreign_keys=[owner_id])  # noqa: F821
    responsible_staff: Mapped["User | None"] = relationship(foreign_keys=[responsible_staff_id])  # noqa: F821
    budget_lines: Mapped[list["BudgetLine"]] = relationship(  # noqa: F821
        back_populates="project", cascade="all, delete-orphan", order_by="BudgetLine.id"
    )
    indicators: Mapped[list["Indicator"]] = relationship(
        back_populates="project", cascade="all, delete-orphan", order_by="Indicator.id"
    )

    def __init__(self, **kwargs):
        # A new object has no column defaults until flush; the lifecycle needs its state now.
        kwargs.setdefault("state", State.approved)
        kwargs.setdefault("rectification_count", 0)
        super().__init__(**kwargs)

    @property
    def flags(self) -> list[str]:
        return [f.value for f in Flag if getattr(self, f"flag_{f.value}")]

    @flags.setter
    def flags(self, values) -> None:
        chosen = {Flag(v) for v in values}
        for f in Flag:
            setattr(self, f"flag_{f.value}", f in chosen)
        self.key_tracking = bool(chosen)

    @property
    def level(self):
        return self.plan.level


class Indicator(ProjectPart, IndicatorColumns, db.Model):
    """A performance indicator (绩效指标) from the task book."""

    __tablename__ = "indicator"
    __table_args__ = IndicatorColumns.table_args("project_id", "uq_indicator_project_key")

    # from ProjectPart: id, project_id; from IndicatorColumns: key, name, unit, target, weight

    project: Mapped[Project] = relationship(back_populates="indicators")
