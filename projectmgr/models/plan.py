from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import enum_type
from .enums import Aggregation, Level
from .types import Fixed


class Plan(db.Model):
    """A science-and-technology plan (科技计划) of one level and year, with its rule settings."""

    __tablename__ = "plan"
    __table_args__ = (
        CheckConstraint("min_self_raised_ratio >= 0", name="ratio_not_negative"),
        CheckConstraint("panel_min_size >= 1 AND panel_min_finance >= 0", name="panel_limits"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    level: Mapped[Level] = mapped_column(enum_type(Level, "level"), index=True)
    year: Mapped[int]
    min_self_raised_ratio: Mapped[Decimal] = mapped_column(Fixed(6, 2), default=Decimal("0"))
    panel_min_size: Mapped[int]
    panel_min_finance: Mapped[int]
    aggregation: Mapped[Aggregation] = mapped_column(enum_type(Aggregation, "aggregation"), default=Aggregation.mean)
    # A plan's own scoresheet ([{key, name_zh, name_en, max}]); None means the default sheet.
    scoresheet: Mapped[list[dict] | None] = mapped_column(JSON)
