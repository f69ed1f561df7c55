"""backup create / verify / restore: data made through the services comes back row for row and
file for file in a fresh database (SQLite or PostgreSQL, whichever the suite runs on); a damaged,
foreign or missing archive, a non-empty target and an unwritable output are refused in one line,
with nothing written."""

import io
import tarfile
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.engine import make_url

from projectmgr import create_app
from projectmgr.extensions import db
from projectmgr.models import Role
from projectmgr.services import attachments, funds
from tests.conftest import DATABASE_URL
from tests.test_health import at_head  # noqa: F401  (fixture)
from tests.test_panels import applied_project, experts, formed_panel, score

POSTGRES = make_url(DATABASE_URL).get_backend_name() == "postgresql"


@pytest.fixture
def source(app, make, api, tmp_path, at_head):  # noqa: F811
    """Projects registered, started, applied and accepted after scoring, with funds and files."""
    app.config["ATTACHMENT_DIR"] = str(tmp_path / "files")
    registered = make.project()
    started = applied_project(make, api)
    accepted = applied_project(make, api)
    members = experts(make, 5)
    formed_panel(accepted, members)
    for expert in members:
        assert score(accepted, expert, 88).status_code == 200
    assert accepted.fire("conclude").json["state"] == "accepted"
    staff = make.user(Role.staff)
    funds.record_disbursement(staff, registered, date(2026, 3, 1), Decimal("1234.56"))
    for case, body in ((started, b"%PDF-1.4 task book"), (accepted, b"%PDF-1.4 acceptance report")):
        project = db.session.get(type(registered), case.pid)
        attachments.add_attachment(
            case.owner, project, "报告.pdf", io.BytesIO(body), max_bytes=1 << 20, directory=attachments.storage_dir()
        )
    (attachments.storage_dir() / "ledger").mkdir(parents=True, exist_ok=True)
    (attachments.storage_dir() / "ledger" / "evidence.pdf").write_bytes(b"%PDF-1.4 evidence")
    db.session.commit()
    yield app
    app.config["ATTACHMENT_DIR"] = None


@pytest.fixture
def fresh(tmp_path):
    """An empty database of its own and an empty attachment folder, as an app to restore into."""
    if POSTGRES:
        url = make_url(DATABASE_URL)
        name = f"{url.database}_restore_{uuid.uuid4().hex[:8]}"
        server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with server.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        target = url.set(database=name).render_as_string(hide_password=False)
    else:
        target = f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    restored = create_app({"SQLALCHEMY_DATABASE_URI": target, "ATTACHMENT_DIR": str(tmp_path / "restored-files")})
    yield restored
    with restored.app_context():
        db.engine.dispose()
    if POSTGRES:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        server.dispose()


def invoke(app, *args):
    # The CLI runs in whatever app context is current: make it this app's, not the session's.
    with app.app_context():
        return app.test_cli_runner().invoke(args=["backup", *args])


def rows_of(engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        found = {}
        for table in tables:
            # Sorted here, not in SQL: PostgreSQL has no ordering for json columns.
            found[table] = sorted((tuple(r) for r in conn.execute(text(f'SELECT * FROM "{table}"'))), key=repr)
        return found


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def archive(source, tmp_path):
    path = tmp_path / "nightly.tar.gz"
    r = invoke(source, "create", "--output", str(path))
    assert r.exit_code == 0, r.output
    assert "3 files" in r.output
    return path


def test_round_trip_row_for_row_and_byte_for_byte(source, archive, fresh, tmp_path):
    assert "is sound" in invoke(source, "verify", str(archive)).output
    r = invoke(fresh, "restore", str(archive))
    assert r.exit_code == 0, r.output
    assert r.output.startswith("restored ")
    expected = rows_of(db.engine)
    assert sum(len(v) for v in expected.values()) > 50
    with fresh.app_context():
        restored = rows_of(db.engine)
        # Every row as it was but the data version, moved on so no worker's cached figures fit it.
        [(_, before)], [(_, after)] = expected.pop("data_version"), restored.pop("data_version")
        assert after > before
        assert restored == expected
        restored_files = files_of(attachments.storage_dir())
    assert restored_files == files_of(tmp_path / "files")
    assert len(restored_files) == 3
    # The restored app answers at head.
    assert fresh.test_client().get("/healthz").json["migrations"] == "current"


def test_a_non_empty_target_is_refused_unless_forced(source, archive):
    r = invoke(source, "restore", str(archive))
    assert r.exit_code != 0
    assert "is not empty" in r.output and "--force" in r.output and len(r.output.strip().splitlines()) == 1
    r = invoke(source, "restore", "--force", str(archive))
    assert r.exit_code == 0, r.output


def _rewrite(archive: Path, out: Path, *, drop: str | None = None, flip: str | None = None) -> Path:
    """A copy of the archive without one member, or with one byte of one member flipped."""
    with tarfile.open(archive) as src, tarfile.open(out, "w:gz") as dst:
        for member in src.getmembers():
            if member.name == drop:
                continue
            data = bytearray(src.extractfile(member).read())
            if member.name == flip:
                data[len(data) // 2] ^= 0x01
            dst.addfile(member, io.BytesIO(bytes(data)))
    return out


def _names(archive: Path) -> list[str]:
    with tarfile.open(archive) as tar:
        return tar.getnames()


def _assert_refused_untouched(fresh, r, named: str):
    assert r.exit_code != 0
    assert named in r.output and len(r.output.strip().splitlines()) == 1, r.output
    with fresh.app_context():
        assert inspect(db.engine).get_table_names() == []
        assert not attachments.storage_dir().exists()


@pytest.mark.parametrize("how", ["flip", "drop"])
@pytest.mark.parametrize("member", ["files/ledger/evidence.pdf", "database"])
def test_a_damaged_member_is_named_and_nothing_is_written(archive, fresh, tmp_path, how, member):
    if member == "database":
        member = next(n for n in _names(archive) if n.startswith("database."))
    damaged = _rewrite(archive, tmp_path / "damaged.tar.gz", **{how: member})
    _assert_refused_untouched(fresh, invoke(fresh, "restore", str(damaged)), member)
    assert invoke(fresh, "verify", str(damaged)).exit_code != 0


def test_a_flipped_byte_in_the_archive_is_refused(archive, fresh, tmp_path):
    data = bytearray(archive.read_bytes())
    # The gzip trailer's CRC-32: a flip in the middle of the deflate stream can, now and then, decode
    # to the very same bytes (an unused Huffman code), which is no corruption at all; this one always is.
    data[-8] ^= 0x01
    damaged = tmp_path / "flipped.tar.gz"
    damaged.write_bytes(bytes(data))
    _assert_refused_untouched(fresh, invoke(fresh, "restore", str(damaged)), str(damaged))


@pytest.mark.parametrize("kind", ["missing", "truncated", "foreign", "tar without manifest"])
def test_missing_truncated_or_foreign_files_are_refused(archive, fresh, tmp_path, kind):
    path = tmp_path / f"{kind}.tar.gz"
    if kind == "truncated":
        path.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    elif kind == "foreign":
        path.write_bytes(b"PK\x03\x04 not a backup")
    elif kind == "tar without manifest":
        _rewrite(archive, path, drop="manifest.json")
    _assert_refused_untouched(fresh, invoke(fresh, "restore", str(path)), str(path))


def test_an_unwritable_output_leaves_nothing(source, tmp_path):
    (tmp_path / "a-file").write_text("")
    for output in (tmp_path / "a-file" / "b.tar.gz", tmp_path / "no" / "such" / "b.tar.gz", Path("/proc/b.tar.gz")):
        r = invoke(source, "create", "--output", str(output))
        assert r.exit_code != 0 and str(output) in r.output and len(r.output.strip().splitlines()) == 1, r.output
        assert not output.exists()


@pytest.mark.skipif(not POSTGRES, reason="pg_dump is for PostgreSQL")
def test_a_missing_pg_dump_is_named(source, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    r = invoke(source, "create", "--output", str(tmp_path / "b.tar.gz"))
    assert r.exit_code != 0 and "pg_dump is not installed" in r.output
    assert not (tmp_path / "b.tar.gz").exists()


def test_counts_match_the_manifest(archive):
    import json

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
    counts = {t: db.session.scalar(select(db.func.count()).select_from(text(f'"{t}"'))) for t in manifest["counts"]}
    assert counts == manifest["counts"] and manifest["schema_revision"]
    assert {"created_at", "sha256", "dialect"} <= set(manifest)
