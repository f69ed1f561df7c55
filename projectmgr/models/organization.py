from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import enum_type, utcnow
from .enums import OrgKind


class Organization(db.Model):
    """An undertaking organization (承担单位)."""

    __tablename__ = "organization"
    __table_args__ = (CheckConstraint("length(credit_code) = 18", name="credit_code_length"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[OrgKind] = mapped_column(enum_type(OrgKind, "org_kind"))
    # None: an organization moved in from a workbook without its code, for staff to fill in.
    credit_code: Mapped[str | None] = mapped_column(String(18), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    credit_records: Mapped[list["CreditRecord"]] = relationship(back_populates="organization")


class CreditRecord(db.Model):
    """A research-integrity record (科研诚信记录) written by a failed conclusion."""

    __tablename__ = "credit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    recorded_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)

    organization: Mapped[Organization] = relationship(back_populates="credit_records")
