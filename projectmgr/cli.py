"""flask --app wsgi users|demo|lifecycle …"""

from datetime import date

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from .errors import DomainError
from .extensions import db
from .models import Role, User
from .permissions import SYSTEM
from .unit_of_work import committing

users = AppGroup("users", help="Accounts.")
demo = AppGroup("demo", help="Demo data.")
lifecycle = AppGroup("lifecycle", help="The project lifecycle.")


def _fail(exc: DomainError) -> None:
    lines = [exc.message] + [f"  {d.get('field') or d.get('check')}: {d['message']}" for d in exc.details]
    raise click.ClickException("\n".join(lines))


@users.command("create")
@click.option("--username", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--display-name", default=None)
@click.option("--organization-id", type=int, default=None)
def create_user(username, password, role, display_name, organization_id):
    """Create any user (the command line acts as the installation's administrator)."""
    from .services.registry import create_user as create

    try:
        with committing():
            user = create(
                SYSTEM,
                username=username,
                password=password,
                role=Role(role),
                display_name=display_name or username,
                organization_id=organization_id,
            )
    except DomainError as exc:
        _fail(exc)
    click.echo(f"created {user.role.value} {user.username} (id {user.id})")


@users.command("token")
@click.option("--username", required=True)
def user_token(username):
    """Print a new API token for the user."""
    from .services.registry import issue_token

    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username}.")
    with committing():
        token = issue_token(user)
    click.echo(token)


@demo.command("load")
def demo_load():
    """Load the demo data (the 2010 plan of DESIGN §10) unless it is loaded already."""
    from .demo import load

    with committing():
        created = load(date.today())
    if created:
        click.echo("Demo data loaded.")
    else:
        click.echo("Demo data is loaded already; nothing changed.")


@demo.command("accounts")
def demo_accounts():
    """Print the demo accounts."""
    from .demo import ACCOUNTS_TEXT

    click.echo(ACCOUNTS_TEXT)


@lifecycle.command("diagram")
def diagram():
    """Print the lifecycle as a Mermaid stateDiagram-v2, drawn from the transition table."""
    from .lifecycle import mermaid

    click.echo(mermaid(), nl=False)


@lifecycle.command("sweep")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default: today)")
def sweep(as_of):
    """Expire every project whose acceptance application or rectification is overdue, then
    send the reminders, escalations and staff digests due (and retry failed emails)."""
    from .services import settings
    from .services.reminders import deliver_pending, queue_digests, queue_reminders
    from .services.sweep import run_sweep

    try:
        when = date.fromisoformat(as_of) if as_of else date.today()
    except ValueError:
        raise click.BadParameter("YYYY-MM-DD", param_hint="--as-of") from None
    try:
        with committing():
            rules = settings()
            swept = run_sweep(when, rules)
            queued = queue_reminders(when, rules) + queue_digests(when)
            lines = [f"  {n.user.username}: {n.rule} {n.details.get('code', '')}".rstrip() for n in queued]
    except DomainError as exc:
        _fail(exc)
    click.echo(f"sweep as of {when}: {len(swept.changed)} project(s) changed")
    for c in swept.changed:
        click.echo(f"  {c['code']}: {c['from_state']} -> {c['to_state']} ({c['reason']})")
    if swept.failed:
        click.echo(f"{len(swept.failed)} project(s) failed (retried next run)")
    for f in swept.failed:
        click.echo(f"  failed: {f['code']}: {f['error']}")
    click.echo(f"{len(queued)} notification(s) queued")
    for line in lines:
        click.echo(line)
    delivery = deliver_pending()
    click.echo(f"{len(delivery.sent)} email(s) sent, {len(delivery.failed)} failed (retried next run)")
    for n in delivery.failed:
        click.echo(f"  failed: {n.email_to}: {n.email_last_error}")


def register_cli(app: Flask) -> None:
    for group in (users, demo, lifecycle):
        app.cli.add_command(group)
    from .cli_documents import documents
    from .cli_year import evaluation, ledger

    for group in (ledger, evaluation, documents):
        app.cli.add_command(group)
