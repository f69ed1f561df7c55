"""The project search index for `q=` (issue 11), outside the declared tables: SQLite an FTS5
trigram table over project.code and project.title kept in step by triggers, PostgreSQL pg_trgm
GIN indexes that serve LIKE '%…%' directly. Created with the project table (create_all) and by
migration 0005_perf; tests/test_migrations.py knows these names are not the models'."""

from sqlalchemy import event

from .project import Project

SQLITE_TABLE = "project_search"
POSTGRES_INDEXES = ("ix_project_code_trgm", "ix_project_title_trgm")
# FTS5's trigram tokenizer: a MATCH of a quoted string finds the rows containing it (3+ characters).
MIN_TRIGRAM = 3

_SQLITE_CREATE = [
    "CREATE VIRTUAL TABLE project_search USING fts5(code, title, content='project', content_rowid='id', "
    "tokenize='trigram')",
    "CREATE TRIGGER project_search_insert AFTER INSERT ON project BEGIN "
    "INSERT INTO project_search (rowid, code, title) VALUES (new.id, new.code, new.title); END",
    "CREATE TRIGGER project_search_delete AFTER DELETE ON project BEGIN "
    "INSERT INTO project_search (project_search, rowid, code, title) VALUES ('delete', old.id, old.code, old.title); "
    "END",
    "CREATE TRIGGER project_search_update AFTER UPDATE OF code, title ON project BEGIN "
    "INSERT INTO project_search (project_search, rowid, code, title) VALUES ('delete', old.id, old.code, old.title); "
    "INSERT INTO project_search (rowid, code, title) VALUES (new.id, new.code, new.title); END",
    "INSERT INTO project_search (project_search) VALUES ('rebuild')",
]
_SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS project_search_insert",
    "DROP TRIGGER IF EXISTS project_search_delete",
    "DROP TRIGGER IF EXISTS project_search_update",
    "DROP TABLE IF EXISTS project_search",
]
_POSTGRES_CREATE = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_project_code_trgm ON project USING gin (code gin_trgm_ops)",
    "CREATE INDEX ix_project_title_trgm ON project USING gin (title gin_trgm_ops)",
]
_POSTGRES_DROP = ["DROP INDEX IF EXISTS ix_project_code_trgm", "DROP INDEX IF EXISTS ix_project_title_trgm"]


def create_search(connection) -> None:
    """Build the search index over the project table as it is (filled from its rows)."""
    drop_search(connection)
    for statement in _POSTGRES_CREATE if connection.dialect.name == "postgresql" else _SQLITE_CREATE:
        connection.exec_driver_sql(statement)


def drop_search(connection) -> None:
    for statement in _POSTGRES_DROP if connection.dialect.name == "postgresql" else _SQLITE_DROP:
        connection.exec_driver_sql(statement)


@event.listens_for(Project.__table__, "after_create")
def _created(_table, connection, **_kw):
    create_search(connection)


@event.listens_for(Project.__table__, "before_drop")
def _dropping(_table, connection, **_kw):
    drop_search(connection)


def is_searchable(text: str) -> bool:
    return len(text) >= MIN_TRIGRAM


def fts_phrase(text: str) -> str:
    """`text` as one FTS5 phrase (its double quotes doubled): matched as a substring."""
    return '"' + text.replace('"', '""') + '"'


def is_search_object(name: str | None) -> bool:
    """A table or index of the search index (FTS5 keeps shadow tables beside its own)."""
    return bool(name) and (name.startswith(SQLITE_TABLE) or name in POSTGRES_INDEXES)


def include_object(_object, name, _type, _reflected, _compare_to) -> bool:
    """For Alembic's comparisons: the search index is not the models' to declare."""
    return not is_search_object(name)
