"""flask --app wsgi documents certificates --year Y --output DIR: a year's acceptance certificates."""

from datetime import date
from pathlib import Path

import click
from flask.cli import AppGroup

from .errors import DomainError
from .services import documents as service
from .services import settings

documents = AppGroup("documents", help="Official documents (PDF).")


@documents.command("certificates")
@click.option("--year", type=click.IntRange(2000, 2100), required=True, help="the year the acceptances concluded")
@click.option(
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="the folder to write into (created if missing)",
)
def certificates(year: int, output: Path):
    """Write the certificate of every project whose acceptance concluded as passed in YEAR, each
    as <number>.pdf; numbers not yet assigned are assigned now (and kept)."""
    try:
        docs = service.year_certificates(year, settings(), date.today())
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    output.mkdir(parents=True, exist_ok=True)
    for doc in docs:
        (output / doc.filename).write_bytes(doc.pdf)
        click.echo(f"  {doc.filename}")
    click.echo(f"{len(docs)} certificate(s) of {year} written to {output}")
