from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .base import enum_type, utcnow
from .enums import ExtensionStatus


class ExtensionRequest(db.Model):
    """An owner's request to move the end date (延期申请); at most one per project."""

    __tablename__ = "extension_request"
    __table_args__ = (CheckConstraint("(status = 'pending') = (decided_at IS NULL)", name="decided_iff_not_pending"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), unique=True)
    new_end_date: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_type(ExtensionStatus, "extension_status"), default=ExtensionStatus.pending
    )
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
