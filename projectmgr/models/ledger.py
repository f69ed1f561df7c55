from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow
from .types import Fixed


class LedgerTarget(db.Model):
    """A yearly target of the bureau (目标台账), decomposed into sub-targets to any depth, each with
    a responsible staff member. Progress is computed by a named metric or entered by hand."""

    __tablename__ = "ledger_target"
    __table_args__ = (
        CheckConstraint("target_value > 0", name="target_positive"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_target.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(40))
    target_value: Mapped[Decimal] = mapped_column(Fixed(18, 4))
    # True: a count growing through the year; False: a level (a rate) expected all year.
    cumulative: Mapped[bool] = mapped_column(Boolean, default=True)
    metric: Mapped[str | None] = mapped_column(String(64))  # services.ledger.METRICS key
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    responsible: Mapped["User | None"] = relationship()  # noqa: F821
    entries: Mapped[list["LedgerProgress"]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="LedgerProgress.id"
    )


class LedgerProgress(db.Model):
    """A hand-entered progress figure (the cumulative value reached on `recorded_on`), with a note
    and optional evidence stored like attachments (services.ledger)."""

    __tablename__ = "ledger_progress"
    __table_args__ = (
        CheckConstraint("value >= 0", name="value_not_negative"),
        CheckConstraint("evidence_stored_name IS NULL OR evidence_size > 0", name="evidence_complete"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("ledger_target.id"), index=True)
    value: Mapped[Decimal] = mapped_column(Fixed(18, 4))
    recorded_on: Mapped[date]
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    evidence_filename: Mapped[str | None] = mapped_column(String(200))
    evidence_kind: Mapped[str | None] = mapped_column(String(16))
    evidence_content_type: Mapped[str | None] = mapped_column(String(100))
    evidence_size: Mapped[int | None]
    evidence_sha256: Mapped[str | None] = mapped_column(String(64))
    evidence_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)

    target: Mapped[LedgerTarget] = relationship(back_populates="entries")
    recorded_by: Mapped["User"] = relationship()  # noqa: F821
