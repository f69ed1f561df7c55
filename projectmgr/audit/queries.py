"""Reading the security log and the project history (the auditor's page, the API, the export)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, select

from ..extensions import db
from ..models import SecurityEvent


@dataclass(frozen=True)
class AuditFilter:
    start: date | None = None
    end: date | None = None  # inclusive
    user: str | None = None
    event: str | None = None

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in vars(self).items() if v}


def events_query(flt: AuditFilter) -> Select:
    query = select(SecurityEvent).order_by(SecurityEvent.id.desc())
    if flt.start:
        query = query.where(SecurityEvent.at >= datetime.combine(flt.start, time.min))
    if flt.end:
        query = query.where(SecurityEvent.at < datetime.combine(flt.end + timedelta(days=1), time.min))
    if flt.user:
        query = query.where(SecurityEvent.actor_name == flt.user)
    if flt.event:
        query = query.where(SecurityEvent.event == flt.event)
    return query


def last_verification() -> SecurityEvent | None:
    return db.session.scalar(
        select(SecurityEvent).where(SecurityEvent.event == "audit.verify").order_by(SecurityEvent.id.desc()).limit(1)
    )
