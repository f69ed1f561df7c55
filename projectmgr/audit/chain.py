"""Hash chains over the project history (`transition_record`) and the security log
(`security_event`): each row carries sha256(previous row's hash + the row's canonical content).

The chain is computed by one SQLAlchemy `before_flush` listener on every session, so whichever
module adds a history row (today `projectmgr.lifecycle`) needs no call of its own: a row is
chained when it is flushed, in its own transaction. The chain's writers are serialized by a
transaction-scoped advisory lock on PostgreSQL (SQLite serializes writers itself), so two
transactions never both extend the same last row."""

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, inspect, select, text
from sqlalchemy.orm import Session

from ..models import SecurityEvent, TransitionRecord
from ..models.base import utcnow

GENESIS = "0" * 64


def _when(value: datetime) -> str:
    return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _plain(value):
    return getattr(value, "value", value)


def _fields(row) -> dict:
    if isinstance(row, TransitionRecord):
        return {
            "project_id": row.project_id,
            "trigger": row.trigger,
            "from_state": _plain(row.from_state),
            "to_state": _plain(row.to_state),
            "actor_id": row.actor_id,
            "at": _when(row.at),
            "comment": row.comment,
            "details": row.details,
        }
    return {
        "at": _when(row.at),
        "actor_id": row.actor_id,
        "actor_name": row.actor_name,
        "address": row.address,
        "user_agent": row.user_agent,
        "event": row.event,
        "target": row.target,
        "outcome": row.outcome,
        "details": row.details or {},
    }


def canonical(row) -> str:
    """The row's content as one stable string (sorted keys, no spaces, UTF-8 as is)."""
    return json.dumps(_fields(row), sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def row_hash(prev_hash: str, row) -> str:
    return hashlib.sha256((prev_hash + canonical(row)).encode()).hexdigest()


CHAINED = (TransitionRecord, SecurityEvent)
_LOCK_KEYS = {TransitionRecord: 0x70726F6A, SecurityEvent: 0x73656376}


def _last_hash(session: Session, model) -> str:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEYS[model]})
    last = connection.execute(
        select(model.row_hash).where(model.row_hash.is_not(None)).order_by(model.id.desc()).limit(1)
    ).scalar()
    return last or GENESIS


@event.listens_for(Session, "before_flush")
def _chain_new_rows(session: Session, _flush_context, _instances) -> None:
    for model in CHAINED:
        rows = sorted((o for o in session.new if isinstance(o, model)), key=lambda o: inspect(o).insert_order)
        if not rows:
            continue
        with session.no_autoflush:
            prev = _last_hash(session, model)
        for row in rows:
            if row.at is None:
                row.at = utcnow()
            row.prev_hash = prev
            row.row_hash = prev = row_hash(prev, row)


@dataclass
class ChainReport:
    name: str
    rows: int = 0
    unchained: int = 0  # rows written before the chain existed (migration 0005)
    broken_id: int | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify(session: Session, model) -> ChainReport:
    """Walk one chain in id order; the first row whose link or hash is wrong is named. The first
    remaining row anchors the chain (`audit prune` removes the oldest rows)."""
    report = ChainReport(model.__tablename__)
    prev: str | None = None
    for row in session.scalars(select(model).order_by(model.id)).yield_per(1000):
        report.rows += 1
        if row.row_hash is None:
            if prev is not None:
                report.broken_id, report.reason = row.id, "hash missing"
                return report
            report.unchained += 1
            continue
        if prev is not None and row.prev_hash != prev:
            report.broken_id, report.reason = row.id, "link to the previous row broken"
            return report
        if row_hash(row.prev_hash or GENESIS, row) != row.row_hash:
            report.broken_id, report.reason = row.id, "content does not match its hash"
            return report
        prev = row.row_hash
    return report


@event.listens_for(SecurityEvent, "before_update")
@event.listens_for(SecurityEvent, "before_delete")
def _security_events_are_written_once(_mapper, _connection, target) -> None:
    raise RuntimeError(f"security event {target.id} cannot be changed or deleted")
