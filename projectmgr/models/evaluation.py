from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .columns import ProjectPart
from .enums import Grade
from .types import Fixed


class Evaluation(ProjectPart, db.Model):
    """One project's annual evaluation (年终考评) for one year: the proposal and staff's grade."""

    __tablename__ = "evaluation"
    __table_args__ = (
        db.UniqueConstraint("project_id", "year", name="uq_evaluation_project_year"),
        CheckConstraint("grade IS NULL OR confirmed_by_id IS NOT NULL", name="confirmed_has_staff"),
    )

    # from ProjectPart: id, project_id
    year: Mapped[int] = mapped_column(index=True)
    # The factors (0..1 or null), the weights applied and the score, as proposed (rules.evaluation).
    factors: Mapped[dict] = mapped_column(JSON)
    score: Mapped[Decimal | None] = mapped_column(Fixed(9, 4))
    proposed_grade: Mapped[Grade] = mapped_column(enum_type(Grade, "proposed_grade"))
    grade: Mapped[Grade | None] = mapped_column(enum_type(Grade, "grade"))  # None until confirmed
    reason: Mapped[str | None] = mapped_column(Text)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    confirmed_at: Mapped[datetime | None]
    proposed_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship()  # noqa: F821
    confirmed_by: Mapped["User | None"] = relationship()  # noqa: F821
    changes: Mapped[list["EvaluationChange"]] = relationship(
        back_populates="evaluation", cascade="all, delete-orphan", order_by="EvaluationChange.id"
    )


class EvaluationChange(db.Model):
    """The history of an evaluation's grade: every confirmation or change, with its reason."""

    __tablename__ = "evaluation_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"), index=True)
    from_grade: Mapped[Grade | None] = mapped_column(enum_type(Grade, "from_grade"))
    to_grade: Mapped[Grade] = mapped_column(enum_type(Grade, "to_grade"))
    proposed_grade: Mapped[Grade] = mapped_column(enum_type(Grade, "change_proposed_grade"))
    reason: Mapped[str | None] = mapped_column(Text)
    actor_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))  # confirm | change

    evaluation: Mapped[Evaluation] = relationship(back_populates="changes")
    actor: Mapped["User"] = relationship()  # noqa: F821
