from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .enums import Recommendation
from .types import Fixed


class Panel(db.Model):
    """An acceptance panel (验收专家组) for one round of a municipal project's acceptance, or an
    approval-review panel (立项评审) for an application: one table, so that the yearly workload
    limit counts both."""

    __tablename__ = "panel"
    __table_args__ = (
        CheckConstraint("formed_on IS NULL OR scoring_due IS NOT NULL", name="formed_has_scoring_due"),
        CheckConstraint("(project_id IS NULL) != (application_id IS NULL)", name="project_or_application"),
        Index("ix_panel_project_round", "project_id", "round", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"))
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), unique=True)
    round: Mapped[int] = mapped_column(default=1)  # 2 after a rectification
    seed: Mapped[str | None] = mapped_column(String(64))  # recorded so a draw can be replayed for audit
    draw_fields: Mapped[list[str] | None] = mapped_column(JSON)
    year: Mapped[int]  # the calendar year whose workload limit it counts against
    formed_on: Mapped[date | None]  # set by form_panel
    scoring_due: Mapped[date | None]
    concluded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list["PanelMember"]] = relationship(
        back_populates="panel", cascade="all, delete-orphan", order_by="PanelMember.id"
    )


class PanelMember(db.Model):
    __tablename__ = "panel_member"
    __table_args__ = (db.UniqueConstraint("panel_id", "expert_id", name="uq_panel_member_panel_expert"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    panel_id: Mapped[int] = mapped_column(ForeignKey("panel.id"), index=True)
    expert_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    finance: Mapped[bool] = mapped_column(Boolean, default=False)
    # An expert who declared a conflict stays on record but no longer counts; staff replace them.
    conflict_declared_at: Mapped[datetime | None]
    conflict_reason: Mapped[str | None] = mapped_column(Text)

    panel: Mapped[Panel] = relationship(back_populates="members")
    # Loaded with the members (one query each for a whole panel): the panel rules, the scores view
    # and the conclusion read every member's expert and score.
    expert: Mapped["User"] = relationship(lazy="selectin")  # noqa: F821
    score: Mapped["Score | None"] = relationship(
        back_populates="member", uselist=False, cascade="all, delete-orphan", lazy="selectin"
    )


class Score(db.Model):
    """One member's scoresheet; editable until the conclusion, then frozen."""

    __tablename__ = "score"
    __table_args__ = (CheckConstraint("total >= 0", name="total_not_negative"),)

    member_id: Mapped[int] = mapped_column(ForeignKey("panel_member.id"), primary_key=True)
    scores: Mapped[dict] = mapped_column(JSON)  # criterion key -> "12.5"
    total: Mapped[Decimal] = mapped_column(Fixed(8, 2))
    recommendation: Mapped[Recommendation] = mapped_column(enum_type(Recommendation, "recommendation"))
    integrity_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    member: Mapped[PanelMember] = relationship(back_populates="score")
