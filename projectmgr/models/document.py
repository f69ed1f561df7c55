from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow


class Certificate(db.Model):
    """An acceptance certificate's number (验收证书编号) `{plan code}-YS-{year}-{seq}`: assigned once,
    when the certificate is first generated, and never reused (rows are never deleted; the
    unique constraints refuse a second number for a project or a second use of a number)."""

    __tablename__ = "certificate"
    __table_args__ = (
        db.UniqueConstraint("prefix", "year", "seq", name="uq_certificate_prefix_year_seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), unique=True)
    prefix: Mapped[str] = mapped_column(String(64))
    year: Mapped[int]
    seq: Mapped[int]
    number: Mapped[str] = mapped_column(String(100), unique=True)
    issued_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    project: Mapped["Project"] = relationship()  # noqa: F821
