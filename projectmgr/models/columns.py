"""Column groups that more than one table carries (mixins): one declaration, the same columns.
Each table keeps its own key, foreign key to its owner, constraints and relationships."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from .base import enum_type, utcnow
from .enums import Category
from .types import Fixed, Money


class OwnedRows:
    """Rows unique by `unique_by` within their owner, under the mixin's check()."""

    @classmethod
    def table_args(cls, owner_id: str, unique_name: str) -> tuple:
        return (UniqueConstraint(owner_id, cls.unique_by, name=unique_name), cls.check())


class BudgetColumns(OwnedRows):
    """A budget row: a category with its special and self-raised amounts (a project's approved
    budget, an application's requested one)."""

    @staticmethod
    def check() -> CheckConstraint:
        """The amounts' rule, a new constraint for each table that carries the columns."""
        return CheckConstraint("special >= 0 AND self_raised >= 0", name="amounts_not_negative")

    unique_by = "category"  # one row per category of its owner (OwnedRows.table_args)

    category: Mapped[Category] = mapped_column(enum_type(Category, "category"))
    special: Mapped[Decimal] = mapped_column(Money())
    self_raised: Mapped[Decimal] = mapped_column(Money())


class IndicatorColumns(OwnedRows):
    """A performance indicator row (a project's task book, an application's form)."""

    @staticmethod
    def check() -> CheckConstraint:
        """The figures' rule, a new constraint for each table that carries the columns."""
        return CheckConstraint("target > 0 AND weight > 0", name="target_weight_positive")

    unique_by = "key"  # one row per key of its owner (OwnedRows.table_args)

    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(40))
    target: Mapped[Decimal] = mapped_column(Fixed(18, 4))
    weight: Mapped[Decimal] = mapped_column(Fixed(10, 4), default=Decimal("1"))


class StoredFileColumns:
    """An uploaded file kept outside the web root under a random name (services.attachments):
    what was detected from its bytes, who uploaded it and when."""

    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class RecordedMoneyColumns:
    """Who recorded a money row and when; `opening_balance` marks the total recorded before the
    bureau moved in (one row per project, source and category)."""

    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    opening_balance: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProjectPart:
    """A row that belongs to one project and is looked up by it: its own key and the indexed
    project_id."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)


class ProjectRow:
    """A row that belongs to one project and is looked up through an index of its table's own that
    begins with project_id (in the table's __table_args__): its own key and project_id, not indexed alone."""

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))


class ApplicationPart:
    """A row that belongs to one application and is looked up by it: its own key and the indexed
    application_id."""

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
