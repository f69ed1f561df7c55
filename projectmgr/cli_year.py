"""flask --app wsgi ledger export|import, evaluation run: the bureau's year, scripted."""

from datetime import date

import click
from flask.cli import AppGroup
from sqlalchemy import select

from .errors import DomainError
from .extensions import db
from .models import User
from .permissions import can_import_ledger, can_run_evaluation
from .unit_of_work import committing

ledger = AppGroup("ledger", help="The target ledger (目标台账).")
evaluation = AppGroup("evaluation", help="The annual evaluation (年终考评).")


def _fail(exc: DomainError) -> None:
    lines = [exc.message]
    for d in exc.details:
        where = f"{d['sheet']} row {d['row']} column {d.get('column') or '-'}" if "sheet" in d else d.get("field", "")
        lines.append(f"  {where}: {d['message']}")
    raise click.ClickException("\n".join(lines))


def _as_of(value: str | None) -> date:
    return date.fromisoformat(value) if value else date.today()


def _acting(username: str, may) -> User:
    """The account a scripted change is credited to: the one named, never a guess."""
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise click.ClickException(f"No user {username}.")
    if not (user.active and may(user)):
        raise click.ClickException(f"{username} is not an active bureau staff or admin account.")
    return user


@ledger.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@click.option("--year", type=int, default=None, help="Default: this year.")
@click.option("--as-of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh")
def ledger_export(path, year, as_of, lang):
    """Write the year's ledger to PATH (.xlsx)."""
    from .services import excel, settings

    when = _as_of(as_of)
    with excel.export_ledger(year or when.year, when, settings(), lang) as stream, open(path, "wb") as out:
        out.write(stream.read())
    click.echo(f"ledger {year or when.year} written to {path}")


@ledger.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--as", "username", required=True, help="The staff account the import is credited to.")
def ledger_import(path, as_of, username):
    """Apply an edited ledger export from PATH; nothing changes if any row is wrong."""
    from .services import excel, settings

    user = _acting(username, can_import_ledger)
    try:
        with committing(), open(path, "rb") as stream:
            result = excel.import_ledger(user, stream, _as_of(as_of), settings())
    except DomainError as exc:
        _fail(exc)
    click.echo(
        f"{result['updated']} target(s) updated, {result['created']} added, "
        f"{result['progress_entries']} progress entr(ies) recorded"
    )


@evaluation.command("run")
@click.option("--year", type=int, required=True)
@click.option("--as-of", default=None, help="YYYY-MM-DD (default: today).")
@click.option("--confirm", is_flag=True, help="Also confirm every unconfirmed proposal as proposed.")
@click.option("--as", "username", required=True, help="The staff account acting.")
def evaluation_run(year, as_of, confirm, username):
    """Propose a grade for every project active in YEAR (and optionally confirm them)."""
    from .services import evaluation as service
    from .services import settings

    user, when, rules = _acting(username, can_run_evaluation), _as_of(as_of), settings()
    try:
        with committing():
            evaluations = service.run_evaluation(user, year, when, rules)
            confirmed = service.confirm_all(user, year, when, rules) if confirm else 0
    except DomainError as exc:
        _fail(exc)
    for ev in evaluations:
        score = "-" if ev.score is None else f"{ev.score:.1f}"
        click.echo(f"{ev.project.code}\t{score}\t{ev.proposed_grade.value}\t{ev.grade.value if ev.grade else ''}")
    click.echo(f"{len(evaluations)} project(s) evaluated for {year}; {confirmed} confirmed")
