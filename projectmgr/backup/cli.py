"""flask --app wsgi backup create|restore|verify"""

from pathlib import Path

import click
from flask.cli import AppGroup

from ..extensions import db
from ..services.attachments import storage_dir
from . import BackupError, archive

backup = AppGroup("backup", help="Back up and restore the database and its files.")


def _run(action):
    try:
        return action()
    except BackupError as exc:
        raise click.ClickException(str(exc)) from None


@backup.command("create")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The .tar.gz to write.")
def create(output: Path):
    """Write one archive: the database, every attachment and evidence file, and a manifest."""
    s = _run(lambda: archive.create(db.engine, storage_dir(), output))
    click.echo(f"backed up {s.tables} tables ({s.rows} rows) and {s.files} files at revision {s.revision} to {output}")


@backup.command("verify")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def verify(path: Path):
    """Check an archive (every sha256, and the counts where they can be read) without restoring it."""
    s = _run(lambda: archive.verify(path))
    click.echo(
        f"{path} is sound: {s.dialect} at revision {s.revision}, {s.tables} tables ({s.rows} rows), "
        f"{s.files} files, made {s.created_at}"
    )


@backup.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Restore over a database or attachment folder that is not empty.")
def restore(path: Path, force: bool):
    """Restore an archive into the empty database named by DATABASE_URL and the attachment folder."""
    db.session.remove()
    s = _run(lambda: archive.restore(db.engine, storage_dir(), path, force))
    click.echo(
        f"restored {s.tables} tables ({s.rows} rows) and {s.files} files at revision {s.revision}, "
        f"made {s.created_at}, from {path}"
    )
