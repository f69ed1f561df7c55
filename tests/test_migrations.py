"""The Alembic migrations build exactly the schema the models declare, and undo it.

Each run starts on a database of its own, never the session's: a fresh SQLite file, or on
PostgreSQL (when TEST_DATABASE_URL names one) a fresh database beside the session's, dropped after.
"""

import logging.config
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import UnaryExpression

from projectmgr import create_app
from projectmgr.extensions import db
from projectmgr.models import ApiToken, Organization, OrgKind, Role, User
from projectmgr.models.search import include_object, is_search_object
from projectmgr.rules.credit_code import make_credit_code
from tests.conftest import DATABASE_URL


def _sqlite_url(tmp_path):
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


@pytest.fixture
def fresh_postgresql():
    """A new, empty PostgreSQL database on the test server; dropped afterwards."""
    url = make_url(DATABASE_URL)
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    server = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def _databases():
    yield pytest.param("sqlite", id="sqlite")
    if make_url(DATABASE_URL).get_backend_name() == "postgresql":
        yield pytest.param("postgresql", id="postgresql")


@pytest.fixture(params=list(_databases()))
def fresh_url(request, tmp_path):
    if request.param == "sqlite":
        return _sqlite_url(tmp_path)
    return request.getfixturevalue("fresh_postgresql")


@pytest.fixture
def migration_app(fresh_url, monkeypatch):
    # migrations/env.py calls logging.config.fileConfig, which would disable every logger
    # configured so far for the rest of the test session.
    monkeypatch.setattr(logging.config, "fileConfig", lambda *args, **kwargs: None)
    app = create_app({"SQLALCHEMY_DATABASE_URI": fresh_url})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _head() -> str:
    config = current_app.extensions["migrate"].migrate.get_config()
    return ScriptDirectory.from_config(config).get_current_head()


def _declared_index(index) -> list[tuple[str, bool]]:
    """[(column, descending)] as the model declares it."""
    columns = []
    for expression in index.expressions:
        descending = isinstance(expression, UnaryExpression) and expression.modifier is operators.desc_op
        column = expression.element if descending else expression
        columns.append((column.name, descending))
    return columns


def _built_index(table: str, name: str) -> list[tuple[str, bool]] | None:
    """[(column, descending)] as the database has it; None when it has no such index."""
    if db.engine.dialect.name == "sqlite":
        with db.engine.connect() as conn:
            rows = conn.exec_driver_sql(f'PRAGMA index_xinfo("{name}")').all()
        # (seqno, cid, name, desc, collation, key): key columns only, not the trailing rowid.
        return [(r[2], bool(r[3])) for r in rows if r[5]] or None
    for index in inspect(db.engine).get_indexes(table):
        if index["name"] == name:
            sorting = index.get("column_sorting", {})
            return [(c, "desc" in sorting.get(c, ())) for c in index["column_names"]]
    return None


def _tables() -> set[str]:
    return {t for t in inspect(db.engine).get_table_names() if not is_search_object(t)} - {"alembic_version"}


def test_upgrade_matches_models_and_downgrade_removes_everything(migration_app):
    assert _tables() == set()

    upgrade()

    assert _tables() == set(db.metadata.tables)
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == _head()
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object}), db.metadata)
    assert diff == []

    # Every index the models declare exists under its name with the same columns, order and
    # direction: compare_metadata does not see a lost DESC on SQLite.
    for table in db.metadata.sorted_tables:
        for index in table.indexes:
            assert _built_index(table.name, index.name) == _declared_index(index), (table.name, index.name)

    downgrade(revision="base")

    assert _tables() == set()
    with db.engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 0


def test_upgrade_is_repeatable_after_downgrade(migration_app):
    upgrade()
    downgrade(revision="base")
    upgrade()
    assert _tables() == set(db.metadata.tables)
    with db.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn, opts={"include_object": include_object}), db.metadata) == []


def test_downgrade_works_with_data(migration_app):
    """Downgrades rebuild tables on SQLite (batch mode); rows referencing them must not stop it."""
    upgrade()
    org = Organization(name="中原特钢", kind=OrgKind.enterprise, credit_code=make_credit_code("91410000000000001"))
    user = User(username="owner", role=Role.owner, display_name="负责人", organization=org)
    user.set_password("password123")
    db.session.add_all([org, user, ApiToken.issue(user)[0]])
    db.session.commit()
    db.session.remove()

    downgrade(revision="base")

    assert _tables() == set()
