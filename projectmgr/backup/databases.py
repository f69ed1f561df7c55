"""Dump and restore the database: SQLite through its online backup API, PostgreSQL with pg_dump/pg_restore."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine, inspect, text
from sqlalchemy.engine import make_url

from . import BackupError

DUMP_NAMES = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}


def _counts(conn) -> dict[str, int]:
    tables = sorted(inspect(conn).get_table_names())
    return {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}


def _revision(counts: dict[str, int], conn) -> str | None:
    if not counts.get("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def table_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return _counts(conn)


def _sqlite_path(engine: Engine) -> str:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("DATABASE_URL is an in-memory SQLite database: there is nothing to back up or restore into.")
    return database


def _libpq(engine: Engine) -> tuple[str, dict]:
    """A libpq URL without the password (which goes in PGPASSWORD, out of the process list)."""
    url = make_url(engine.url).set(drivername="postgresql")
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(password=None).render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client).")
    return path


def dump(engine: Engine, target: Path) -> tuple[dict[str, int], str | None]:
    """Write the database to target; return its row counts per table and its Alembic revision, taken
    from the same consistent state as the dump."""
    dialect = engine.dialect.name
    if dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(engine))
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # consistent even while the app writes
        finally:
            source.close()
            copy.close()
        from sqlalchemy import create_engine

        snapshot = create_engine(f"sqlite:///{target}")
        try:
            with snapshot.connect() as conn:
                counts = _counts(conn)
                return counts, _revision(counts, conn)
        finally:
            snapshot.dispose()
    if dialect == "postgresql":
        pg_dump = _tool("pg_dump")
        url, env = _libpq(engine)
        # pg_dump reads the snapshot the counts were taken in, so the manifest matches the dump.
        with engine.connect() as conn:
            conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
            snapshot_id = conn.execute(text("SELECT pg_export_snapshot()")).scalar_one()
            counts = _counts(conn)
            revision = _revision(counts, conn)
            done = subprocess.run(
                [pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot_id}", f"--file={target}", url],
                env=env,
                capture_output=True,
                text=True,
            )
            conn.rollback()
        if done.returncode != 0:
            raise BackupError(f"pg_dump failed: {_first_line(done.stderr)}")
        return counts, revision
    raise BackupError(f"Cannot back up a {dialect} database.")


def check_dump(dialect: str, path: Path) -> None:
    """Refuse a dump its own tool cannot read (the sha256 already matched: this catches a foreign file)."""
    if dialect == "sqlite":
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise BackupError(f"{path.name} is not a sound SQLite database.")
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path.name} is not a SQLite database: {exc}.") from None
        finally:
            conn.close()
        return
    done = subprocess.run([_tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{path.name} is not a pg_dump archive: {_first_line(done.stderr)}")


def restore(engine: Engine, dump_path: Path, force: bool) -> None:
    dialect = engine.dialect.name
    engine.dispose()
    if dialect == "sqlite":
        source = sqlite3.connect(f"file:{dump_path}?mode=ro", uri=True)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            source.backup(target)  # replaces the whole target database in one step
        finally:
            source.close()
            target.close()
        return
    url, env = _libpq(engine)
    args = [_tool("pg_restore"), "--no-owner", "--single-transaction", "--exit-on-error", f"--dbname={url}"]
    if force:
        args += ["--clean", "--if-exists"]
    done = subprocess.run([*args, str(dump_path)], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed, nothing restored: {_first_line(done.stderr)}")


def _first_line(stderr: str) -> str:
    return next((line.strip() for line in stderr.splitlines() if line.strip()), "no message")
