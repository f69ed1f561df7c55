"""Writing the security log. `record` adds the row to the current transaction (it commits or rolls
back with what it records); `record_refusal` writes a refusal in a transaction of its own, after
the refused work has been rolled back."""

from datetime import timedelta

from flask import g, has_request_context, request
from flask_login import current_user
from sqlalchemy import delete, func, select

from ..errors import DomainError
from ..extensions import db
from ..models import SecurityEvent, User
from ..models.base import utcnow
from ..unit_of_work import committing

SUCCESS, FAILURE, REFUSED = "success", "failure", "refused"


def _origin() -> dict:
    """Where the request came from: its address and user agent (neither outside a request)."""
    if not has_request_context():
        return {"address": None, "user_agent": None}
    agent = (request.headers.get("User-Agent") or "")[:300] or None
    return {"address": request.remote_addr, "user_agent": agent}


def record(
    event: str,
    outcome: str = SUCCESS,
    *,
    actor: User | None = None,
    actor_name: str | None = None,
    target: str | None = None,
    **details,
) -> SecurityEvent:
    if actor is not None and getattr(actor, "id", None) is None:
        actor = None  # the system actor
    actor_id, actor_name = (actor.id, actor.username) if actor is not None else (None, actor_name or None)
    row = SecurityEvent(
        at=utcnow(), actor_id=actor_id, actor_name=actor_name and actor_name[:80], **_origin(),
        event=event, target=target, outcome=outcome, details=details,
    )
    db.session.add(row)
    return row


def record_refusal(event: str, outcome: str = REFUSED, **kwargs) -> None:
    """A refusal rolls back the work it refused; its record is committed on its own."""
    db.session.rollback()
    with committing():
        record(event, outcome, **kwargs)


def user_target(user: User) -> str:
    return f"user:{user.username}"


def prune(days: int, minimum: int) -> int:
    """Delete security events older than `days` (never fewer than the retention `minimum`)."""
    if days < minimum:
        raise ValueError(f"the retention is at least {minimum} days")
    cutoff = utcnow() - timedelta(days=days)
    count = db.session.scalar(select(func.count()).select_from(SecurityEvent).where(SecurityEvent.at < cutoff))
    db.session.execute(delete(SecurityEvent).where(SecurityEvent.at < cutoff))
    record("audit.prune", days=days, deleted=count)
    return count


def keep() -> None:
    """Commit what a refused request recorded (its security event, the failure counters) before the
    error it answers with rolls the request back."""
    with committing():
        pass


def recorded_import(what: str, actor: User, run):
    """Run an import and record it: with it when it succeeds, on its own when it is refused."""
    try:
        result = run()
    except DomainError as exc:
        record_refusal("import", FAILURE, actor=actor, target=what, errors=len(exc.details), message=exc.message)
        raise
    record("import", actor=actor, target=what)
    return result


def record_export(name: str) -> None:
    """Every export (which, by whom, with which filters), in its own transaction: an export writes
    nothing else."""
    actor = g.get("api_user") or (current_user if current_user and current_user.is_authenticated else None)
    filters = request.args.to_dict(flat=False) if has_request_context() else {}
    path = request.path if has_request_context() else None
    db.session.rollback()
    with committing():
        record("export", actor=actor, target=name, path=path, filters=filters)
