from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type
from .columns import BudgetColumns, ProjectPart, ProjectRow, RecordedMoneyColumns
from .enums import Category, FundSource
from .types import Money


class BudgetLine(ProjectPart, BudgetColumns, db.Model):
    """One category of the approved budget, with its special and self-raised amounts."""

    __tablename__ = "budget_line"
    __table_args__ = BudgetColumns.table_args("project_id", "uq_budget_line_project_category")

    # from ProjectPart: id, project_id; from BudgetColumns: category, special, self_raised

    project: Mapped["Project"] = relationship(back_populates="budget_lines")  # noqa: F821


class Disbursement(ProjectPart, RecordedMoneyColumns, db.Model):
    """A payment of special funds by the bureau (资金拨付)."""

    __tablename__ = "disbursement"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    # from ProjectPart: id, project_id
    date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    # from RecordedMoneyColumns: recorded_by_id, opening_balance, created_at


class SelfRaisedArrival(ProjectPart, RecordedMoneyColumns, db.Model):
    """Self-raised funds received (自筹资金到位)."""

    __tablename__ = "self_raised_arrival"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    # from ProjectPart: id, project_id
    date: Mapped[date]
    amount: Mapped[Decimal] = mapped_column(Money())
    note: Mapped[str | None] = mapped_column(Text)
    # from RecordedMoneyColumns: recorded_by_id, opening_balance, created_at


class Expenditure(ProjectRow, RecordedMoneyColumns, db.Model):
    """An expenditure (经费支出), recorded as it happened even when it breaks a binding indicator."""

    __tablename__ = "expenditure"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_expenditure_project_source_category", "project_id", "source", "category"),
    )

    # from ProjectRow: id, project_id
    date: Mapped[date]
    category: Mapped[Category] = mapped_column(enum_type(Category, "category"))
    source: Mapped[FundSource] = mapped_column(enum_type(FundSource, "fund_source"))
    amount: Mapped[Decimal] = mapped_column(Money())
    voucher: Mapped[str | None] = mapped_column(String(64))
    # from RecordedMoneyColumns: recorded_by_id, opening_balance, created_at
