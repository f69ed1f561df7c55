from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .columns import ProjectRow
from .enums import ReportKind
from .types import Fixed


class Report(ProjectRow, db.Model):
    """A survey (progress) or acceptance report with the achieved indicator values."""

    __tablename__ = "report"
    __table_args__ = (
        # Only an acceptance report declares separate accounting.
        CheckConstraint("kind = 'acceptance' OR separate_account IS NULL", name="separate_account_acceptance"),
        Index("ix_report_project_kind", "project_id", "kind", "submitted_at"),
    )

    # from ProjectRow: id, project_id
    kind: Mapped[ReportKind] = mapped_column(enum_type(ReportKind, "report_kind"))
    summary: Mapped[str] = mapped_column(Text)
    separate_account: Mapped[bool | None] = mapped_column(Boolean)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)

    values: Mapped[list["IndicatorValue"]] = relationship(back_populates="report", cascade="all, delete-orphan")


class IndicatorValue(db.Model):
    """An achieved value (完成值) reported for one indicator."""

    __tablename__ = "indicator_value"
    __table_args__ = (CheckConstraint("achieved >= 0", name="achieved_not_negative"),)

    report_id: Mapped[int] = mapped_column(ForeignKey("report.id"), primary_key=True)
    indicator_id: Mapped[int] = mapped_column(ForeignKey("indicator.id"), primary_key=True, index=True)
    achieved: Mapped[Decimal] = mapped_column(Fixed(18, 4))

    report: Mapped[Report] = relationship(back_populates="values")
