"""GET /healthz: 200 when the database answers at the migrations' head, 503 naming what failed;
no sign-in, no session cookie, no CSRF, and at most two SQL statements."""

import pytest
from sqlalchemy import event, text

from projectmgr import create_app
from projectmgr.extensions import db
from projectmgr.health import migration_heads


def stamp(revision: str | None) -> None:
    """Record an Alembic revision on the test database (built by create_all, so it has none)."""
    db.session.rollback()  # on PostgreSQL a read of alembic_version in the session would block the DROP
    with db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        if revision is not None:
            conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
            conn.execute(text("INSERT INTO alembic_version VALUES (:r)"), {"r": revision})


@pytest.fixture
def at_head():
    (head,) = migration_heads()
    stamp(head)
    yield head
    stamp(None)


def test_healthy_in_two_statements_without_a_session(app, client, at_head):
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        r = client.get("/healthz")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert r.status_code == 200
    assert r.json == {"status": "ok", "database": "ok", "migrations": "current"}
    assert len(statements) <= 2, statements
    assert "Set-Cookie" not in r.headers


def test_healthz_needs_no_csrf_token(app, at_head):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert app.test_client().get("/healthz").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_behind_or_unmigrated_schema_is_503(client, at_head):
    stamp("0001")
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json == {"status": "error", "database": "ok", "migrations": "behind"}
    stamp(None)
    assert client.get("/healthz").json["migrations"] == "missing"


def test_database_down_is_503(tmp_path):
    down = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/no/such/folder/db.sqlite3"})
    r = down.test_client().get("/healthz")
    assert r.status_code == 503
    assert r.json == {"status": "error", "database": "unreachable", "migrations": "unknown"}
