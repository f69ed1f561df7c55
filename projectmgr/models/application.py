"""Before a project exists (DESIGN §13): calls, applications, objections to the public notice and
recommendations upward. Only lifecycle.applications changes an application's `state`."""

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import JSON, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .columns import ApplicationPart, BudgetColumns, IndicatorColumns, StoredFileColumns
from .enums import Level
from .types import Fixed, Money

ApplicationState = StrEnum(
    "ApplicationState",
    "draft submitted returned checked under_review reviewed publicized approved rejected withdrawn",
)

AttachmentKind = StrEnum("AttachmentKind", "application_form business_licence audit_report")

Outcome = StrEnum("Outcome", "won not_won")


class Call(db.Model):
    """A call for applications (申报指南) to a municipal plan, open for a window."""

    __tablename__ = "call"
    __table_args__ = (CheckConstraint("closes_on >= opens_on", name="closes_after_opens"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plan.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    opens_on: Mapped[date]
    closes_on: Mapped[date]
    guide: Mapped[str | None] = mapped_column(Text)
    max_special_funds: Mapped[Decimal | None] = mapped_column(Money())
    fields: Mapped[list[str] | None] = mapped_column(JSON)  # expert fields for the review draw
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped["Plan"] = relationship()  # noqa: F821

    def is_open(self, on: date) -> bool:
        return self.opens_on <= on <= self.closes_on


class Application(db.Model):
    """An application (申报书) by an owner for their organization, until it is approved or not."""

    __tablename__ = "application"
    __table_args__ = (
        CheckConstraint("end_date >= start_date", name="end_after_start"),
        CheckConstraint("special_funds >= 0 AND self_raised_committed >= 0", name="funds_not_negative"),
        CheckConstraint("state != 'publicized' OR notice_until IS NOT NULL", name="publicized_has_notice"),
        Index("ix_application_call_state", "call_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("call.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    industry: Mapped[str | None] = mapped_column(String(100))
    summary: Mapped[str] = mapped_column(Text)
    start_date: Mapped[date]
    end_date: Mapped[date]
    special_funds: Mapped[Decimal] = mapped_column(Money())  # requested
    self_raised_committed: Mapped[Decimal] = mapped_column(Money())
    state: Mapped[ApplicationState] = mapped_column(
        enum_type(ApplicationState, "application_state"), default=ApplicationState.draft
    )
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    submitted_on: Mapped[date | None]
    score: Mapped[Decimal | None] = mapped_column(Fixed(9, 4))  # the panel's aggregate, at conclude_review
    notice_until: Mapped[date | None]
    granted_funds: Mapped[Decimal | None] = mapped_column(Money())
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __mapper_args__ = {"version_id_col": version}

    call: Mapped[Call] = relationship()
    organization: Mapped["Organization"] = relationship()  # noqa: F821
    owner: Mapped["User"] = relationship()  # noqa: F821
    budget_lines: Mapped[list["ApplicationBudgetLine"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationBudgetLine.id"
    )
    indicators: Mapped[list["ApplicationIndicator"]] = relationship(
        back_populates="application", cascade="all, delete-orphan", order_by="ApplicationIndicator.id"
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("state", ApplicationState.draft)
        super().__init__(**kwargs)

    @property
    def plan(self):
        """The call's plan: the panel rules read its minimum size and finance experts."""
        return self.call.plan


class ApplicationBudgetLine(ApplicationPart, BudgetColumns, db.Model):
    __tablename__ = "application_budget_line"
    __table_args__ = BudgetColumns.table_args("application_id", "uq_application_budget_category")

    # from ApplicationPart: id, application_id; from BudgetColumns: category, special, self_raised

    application: Mapped[Application] = relationship(back_populates="budget_lines")


class ApplicationIndicator(ApplicationPart, IndicatorColumns, db.Model):
    __tablename__ = "application_indicator"
    __table_args__ = IndicatorColumns.table_args("application_id", "uq_application_indicator_key")

    # from ApplicationPart: id, application_id; from IndicatorColumns: key, name, unit, target, weight

    application: Mapped[Application] = relationship(back_populates="indicators")


class ApplicationAttachment(ApplicationPart, StoredFileColumns, db.Model):
    """A file attached to an application, typed by its content (services.attachments.detect)."""

    __tablename__ = "application_attachment"
    __table_args__ = (CheckConstraint("size > 0", name="size_positive"),)

    # from ApplicationPart: id, application_id
    kind: Mapped[AttachmentKind] = mapped_column(enum_type(AttachmentKind, "attachment_kind"))
    filename: Mapped[str] = mapped_column(String(200))
    file_type: Mapped[str] = mapped_column(String(16))
    # content_type, size, sha256, stored_name, uploaded_by_id, uploaded_at: StoredFileColumns


class ApplicationTransition(ApplicationPart, db.Model):
    """One row per application transition, written in the transition's own transaction."""

    __tablename__ = "application_transition"

    # from ApplicationPart: id, application_id
    trigger: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[ApplicationState] = mapped_column(enum_type(ApplicationState, "from_state"))
    to_state: Mapped[ApplicationState] = mapped_column(enum_type(ApplicationState, "to_state"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    comment: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict | None] = mapped_column(JSON)

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class Objection(ApplicationPart, db.Model):
    """An objection (异议) raised during an application's public notice; staff resolve each."""

    __tablename__ = "objection"
    __table_args__ = (CheckConstraint("resolved_at IS NULL OR upheld IS NOT NULL", name="resolved_has_outcome"),)

    # from ApplicationPart: id, application_id
    text: Mapped[str] = mapped_column(Text)
    raised_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    upheld: Mapped[bool | None] = mapped_column(Boolean)
    resolution: Mapped[str | None] = mapped_column(Text)
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    resolved_at: Mapped[datetime | None]


class UpwardRecommendation(db.Model):
    """A recommendation (推荐) to a provincial or national programme, and its outcome."""

    __tablename__ = "upward_recommendation"
    __table_args__ = (
        CheckConstraint("level != 'municipal'", name="higher_level"),
        CheckConstraint("outcome IS NULL OR document_no IS NOT NULL", name="outcome_has_document"),
        CheckConstraint("year >= 2000 AND year <= 2100", name="year_range"),
        Index("ix_upward_recommendation_year", "year", "level", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    level: Mapped[Level] = mapped_column(enum_type(Level, "level"))
    programme: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    submitted_on: Mapped[date]
    outcome: Mapped[Outcome | None] = mapped_column(enum_type(Outcome, "outcome"))
    document_no: Mapped[str | None] = mapped_column(String(100))
    decided_on: Mapped[date | None]
    # The special funds the higher authority granted, recorded with the outcome (or the project's
    # grant when the win registers it): a direct recommendation's registration form starts from it.
    granted_funds: Mapped[Decimal | None] = mapped_column(Money())
    project_id: Mapped[int | None] = mapped_column(ForeignKey("project.id"), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped["Organization"] = relationship()  # noqa: F821
