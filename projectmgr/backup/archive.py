"""Create, verify and restore a backup archive (.tar.gz).

Layout: manifest.json, the database dump (database.sqlite3 or database.pgdump) and files/<path> for
every file under the attachment folder (attachments, and ledger evidence in its ledger/ subfolder).
The manifest names the schema revision, the row count of each table, the sha256 of every file and
when the archive was made. Everything is checked before anything is written.
"""

import gzip
import hashlib
import json
import os
import secrets
import shutil
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, inspect, text

from . import BackupError, databases

FORMAT = "projectmgr-backup/1"
MANIFEST = "manifest.json"


@dataclass
class Summary:
    revision: str | None
    dialect: str
    rows: int
    tables: int
    files: int
    created_at: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def create(engine: Engine, storage: Path, output: Path) -> Summary:
    """Write the archive to output, atomically: a failure leaves no file behind."""
    output = output.absolute()
    if not output.parent.is_dir() or not os.access(output.parent, os.W_OK):
        raise BackupError(f"Cannot write {output}: {output.parent} is not a writable folder.")
    dialect = engine.dialect.name
    with tempfile.TemporaryDirectory(prefix="projectmgr-backup-") as staging:
        stage = Path(staging)
        dump_name = databases.DUMP_NAMES.get(dialect, "database")
        counts, revision = databases.dump(engine, stage / dump_name)
        hashes = {dump_name: _sha256(stage / dump_name)}
        # Copy first, hash the copy: a file written while this runs cannot disagree with its hash.
        if storage.is_dir():
            for source in sorted(p for p in storage.rglob("*") if p.is_file()):
                name = f"files/{source.relative_to(storage).as_posix()}"
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, stage / name)
                hashes[name] = _sha256(stage / name)
        manifest = {
            "format": FORMAT,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "schema_revision": revision,
            "dialect": dialect,
            "database": dump_name,
            "counts": counts,
            "sha256": hashes,
        }
        (stage / MANIFEST).write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        _write_atomically(stage, [MANIFEST, *hashes], output)
    return _summary(manifest)


def _write_atomically(stage: Path, names: list[str], output: Path) -> None:
    """Tar into a hidden file beside output, then rename it: no half-written archive under its name."""
    try:
        partial = tempfile.NamedTemporaryFile(dir=output.parent, prefix=f".{output.name}.", delete=False)
    except OSError as exc:
        raise BackupError(f"Cannot write {output}: {exc.strerror}.") from None
    try:
        with partial, tarfile.open(fileobj=partial, mode="w:gz") as tar:
            for name in names:
                tar.add(stage / name, arcname=name)
        os.replace(partial.name, output)
    except OSError as exc:
        raise BackupError(f"Cannot write {output}: {exc.strerror}.") from None
    finally:
        Path(partial.name).unlink(missing_ok=True)


def _summary(manifest: dict) -> Summary:
    return Summary(
        revision=manifest["schema_revision"],
        dialect=manifest["dialect"],
        rows=sum(manifest["counts"].values()),
        tables=len(manifest["counts"]),
        files=sum(1 for name in manifest["sha256"] if name.startswith("files/")),
        created_at=manifest["created_at"],
    )


def _unpack(path: Path, into: Path) -> dict:
    """Extract the archive into a folder and check it whole; return its manifest."""
    if not path.is_file():
        raise BackupError(f"No backup archive at {path}.")
    try:
        # Read the gzip stream to its end first: its CRC catches a flipped or missing byte anywhere.
        with gzip.open(path, "rb") as stream:
            while stream.read(1 << 20):
                pass
        with tarfile.open(path, "r:gz") as tar:
            for member in tar.getmembers():
                if not member.isfile():
                    raise BackupError(f"{path} is not a projectmgr backup: {member.name} is not a file.")
            tar.extractall(into, filter="data")
    except (OSError, EOFError, zlib.error, tarfile.TarError) as exc:
        raise BackupError(f"{path} is not a readable backup archive (corrupt, truncated or foreign): {exc}") from None
    try:
        manifest = json.loads((into / MANIFEST).read_text())
        if manifest.get("format") != FORMAT:
            raise ValueError
    except (OSError, ValueError):
        raise BackupError(f"{path} is not a projectmgr backup: it has no {MANIFEST} of format {FORMAT}.") from None
    for name, expected in manifest["sha256"].items():
        file = into / name
        if not file.is_file():
            raise BackupError(f"{path}: {name} is missing from the archive.")
        if _sha256(file) != expected:
            raise BackupError(f"{path}: {name} does not match its sha256 in the manifest.")
    listed = set(manifest["sha256"]) | {MANIFEST}
    extra = sorted(p.relative_to(into).as_posix() for p in into.rglob("*") if p.is_file())
    if unlisted := [name for name in extra if name not in listed]:
        raise BackupError(f"{path}: {unlisted[0]} is in the archive but not in the manifest.")
    databases.check_dump(manifest["dialect"], into / manifest["database"])
    return manifest


def verify(path: Path) -> Summary:
    with tempfile.TemporaryDirectory(prefix="projectmgr-verify-") as staging:
        manifest = _unpack(path, Path(staging))
        if manifest["dialect"] == "sqlite":
            _check_counts(_counts_of_sqlite(Path(staging) / manifest["database"]), manifest["counts"], path)
    return _summary(manifest)


def _counts_of_sqlite(path: Path) -> dict[str, int]:
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{path}")
    try:
        return databases.table_counts(engine)
    finally:
        engine.dispose()


def _check_counts(actual: dict[str, int], expected: dict[str, int], path: Path) -> None:
    for table, count in expected.items():
        if actual.get(table) != count:
            raise BackupError(f"{path}: table {table} has {actual.get(table)} rows, the manifest says {count}.")


def restore(engine: Engine, storage: Path, path: Path, force: bool) -> Summary:
    with tempfile.TemporaryDirectory(prefix="projectmgr-restore-") as staging:
        stage = Path(staging)
        manifest = _unpack(path, stage)
        if manifest["dialect"] != engine.dialect.name:
            raise BackupError(f"{path} holds a {manifest['dialect']} database; DATABASE_URL is {engine.dialect.name}.")
        if not force:
            _refuse_non_empty(engine, storage)
        databases.restore(engine, stage / manifest["database"], force)
        _check_counts(databases.table_counts(engine), manifest["counts"], path)
        _move_data_version(engine)
        for name in (n for n in manifest["sha256"] if n.startswith("files/")):
            target = storage / name.removeprefix("files/")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(stage / name, target)
            if _sha256(target) != manifest["sha256"][name]:
                raise BackupError(f"{target} was not written whole (sha256 differs after the copy).")
    return _summary(manifest)


def _move_data_version(engine: Engine) -> None:
    """The restored data version is an old one that running workers may hold figures under for
    other data: jump it far past anything they have seen (projectmgr.summary_cache)."""
    if "data_version" not in inspect(engine).get_table_names():
        return
    with engine.begin() as conn:
        conn.execute(text("UPDATE data_version SET n = n + :k WHERE id = 1"), {"k": secrets.randbelow(2**40) + 1})


def _refuse_non_empty(engine: Engine, storage: Path) -> None:
    rows = {t: n for t, n in databases.table_counts(engine).items() if n}
    if rows:
        table = sorted(rows)[0]
        raise BackupError(
            f"The database is not empty ({table} has {rows[table]} rows): restore into an empty one, or pass --force."
        )
    if storage.is_dir() and any(p.is_file() for p in storage.rglob("*")):
        raise BackupError(f"The attachment folder {storage} is not empty: restore into an empty one, or pass --force.")
