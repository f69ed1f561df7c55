"""flask --app wsgi audit verify|prune"""

import click
from flask.cli import AppGroup

from ..extensions import db
from ..models import SecurityEvent, TransitionRecord
from ..services.account_settings import account_settings
from ..unit_of_work import committing
from . import chain, log

audit = AppGroup("audit", help="The security audit log and the hash chains.")


@audit.command("verify")
def verify():
    """Walk both hash chains: exit 0 with the counts, or non-zero naming the first broken row."""
    db.session.expire_all()
    reports = [chain.verify(db.session, TransitionRecord), chain.verify(db.session, SecurityEvent)]
    ok = all(r.ok for r in reports)
    summary = {
        r.name: {"rows": r.rows, "unchained": r.unchained, "broken_id": r.broken_id, "reason": r.reason}
        for r in reports
    }
    with committing():
        log.record("audit.verify", log.SUCCESS if ok else log.FAILURE, chains=summary)
    for r in reports:
        if r.ok:
            click.echo(
                f"{r.name}: {r.rows} rows, chain intact"
                + (f" ({r.unchained} from before the chain)" if r.unchained else "")
            )
        else:
            click.echo(f"{r.name}: chain broken at row id {r.broken_id}: {r.reason}", err=True)
    if not ok:
        raise SystemExit(1)


@audit.command("prune")
@click.option(
    "--days",
    type=int,
    default=None,
    help="Delete security events older than this (default and minimum: AUDIT_RETENTION_DAYS).",
)
def prune(days):
    """Delete security events past the retention; refuses to keep fewer days than AUDIT_RETENTION_DAYS."""
    minimum = account_settings().audit_retention_days
    days = minimum if days is None else days
    if days < minimum:
        raise click.ClickException(f"The retention is at least {minimum} days (AUDIT_RETENTION_DAYS); refusing {days}.")
    with committing():
        count = log.prune(days, minimum)
    click.echo(f"deleted {count} security events older than {days} days")
