"""Exact caching of read figures under a data version (issue 11).

Every transaction that writes anything increments the one row of `data_version` just before it
commits, in the same transaction (the session's before_commit hook below): a write and its bump
become visible together. Readers read the version first and then compute, so a figure stored under
version v was computed from data at least as new as v; a read after a write sees the new version
and recomputes. Nothing is ever served from before the last committed write.

What is cached is kept per worker process (an LRU in the app's extensions) and, when
SUMMARY_CACHE_URL names a Redis server (by default RATELIMIT_STORAGE_URI when that is redis://),
shared between workers there; keyed on the database, the version and everything else the figure
depends on (as_of, filters, the user's scope, the page). A session with changes of its own that it
has not committed bypasses the cache both ways.
"""

import hashlib
import logging
import pickle
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable

import redis
from flask import current_app
from sqlalchemy import Select, TextClause, event, select, text
from sqlalchemy.orm import Session

from .extensions import db
from .models.data_version import DataVersion

_BUMP = text("UPDATE data_version SET n = n + 1 WHERE id = 1")
_CREATE = text("INSERT INTO data_version (id, n) VALUES (1, :n)")
_READ = text("SELECT n FROM data_version WHERE id = 1")
_CHANGED = "projectmgr.data_changed"
_VERSION = "projectmgr.data_version"
_MEMO = "projectmgr.transaction_memo"
_DML = ("insert", "update", "delete")
MAX_ENTRIES = 512
SHARED_SECONDS = 3600  # a version's figures outlive it in Redis at most this long, unread
log = logging.getLogger(__name__)


# --- the version: bumped by every writing transaction ---------------------------------------------


@event.listens_for(Session, "before_flush")
def _note_flush(session, _context, _instances):
    if session.new or session.dirty or session.deleted:
        session.info[_CHANGED] = True


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state):
    statement = state.statement
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True
        state.session.info.pop(_MEMO, None)
    elif isinstance(statement, TextClause) and statement.text.lstrip()[:6].lower() in _DML:
        state.session.info[_CHANGED] = True
        state.session.info.pop(_MEMO, None)


@event.listens_for(Session, "after_flush")
def _forget_memo(session, _context):
    session.info.pop(_MEMO, None)


@event.listens_for(Session, "before_commit")
def _bump(session):
    if session.info.pop(_CHANGED, False) or session.new or session.dirty or session.deleted:
        connection = session.connection()
        if connection.execute(_BUMP).rowcount == 0:  # a database made by create_all, or emptied
            connection.execute(_CREATE, {"n": secrets.randbelow(2**40)})
    session.info.pop(_VERSION, None)


@event.listens_for(Session, "after_transaction_end")
def _forget(session, transaction):
    session.info.pop(_MEMO, None)
    if transaction.parent is None:
        session.info.pop(_VERSION, None)
        if not session.in_transaction():
            session.info.pop(_CHANGED, None)


def writing() -> bool:
    """The session has changes of its own not yet committed (their figures must not be cached)."""
    session = db.session()
    return bool(session.info.get(_CHANGED) or session.new or session.dirty or session.deleted)


def current_version() -> int | None:
    """The committed data version (read once per transaction); None when there is no version row
    or the session is writing: then nothing is cached."""
    if writing():
        return None
    session = db.session()
    if _VERSION not in session.info:
        session.info[_VERSION] = session.scalar(_READ)
    return session.info[_VERSION]


def memoized(key: tuple, compute: Callable):
    """compute() once per transaction while nothing is written: the same reads a request makes
    several times (a project's panel, its fund records) are made once. Forgotten at every flush,
    every statement that writes and the end of every transaction; not used while the session
    holds changes it has not flushed (a query would flush them and see them)."""
    session = db.session()
    if not session._is_clean():  # noqa: SLF001 - pending changes: read through
        session.info.pop(_MEMO, None)
        return compute()
    memo = session.info.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = compute()
    return memo[key]


_VERSION_COLUMN = select(DataVersion.n).where(DataVersion.id == 1).scalar_subquery().label("data_version")


def with_version(statement: Select) -> Select:
    """The statement with the data version as its last column: the signed-in user and the version
    in one query (note_version keeps what it read)."""
    return statement.add_columns(_VERSION_COLUMN)


def note_version(n: int | None) -> None:
    """The version read by with_version, as current_version() would have read it."""
    session = db.session()
    if _VERSION not in session.info and not writing():
        session.info[_VERSION] = n


# --- the per-worker store -------------------------------------------------------------------------


class _Store:
    def __init__(self, size: int, shared_url: str | None, database: str):
        self.size = size
        self.lock = threading.Lock()
        self.entries: OrderedDict = OrderedDict()
        self.shared = redis.Redis.from_url(shared_url, socket_timeout=0.5) if shared_url else None
        self.prefix = "projectmgr:summary:" + hashlib.sha256(database.encode()).hexdigest()[:16] + ":"

    def _shared_key(self, key) -> str:
        return self.prefix + hashlib.sha256(repr(key).encode()).hexdigest()

    def get(self, key, shared: bool = True):
        with self.lock:
            if key in self.entries:
                self.entries.move_to_end(key)
                return True, self.entries[key]
        if shared and self.shared is not None:
            try:
                raw = self.shared.get(self._shared_key(key))
            except redis.RedisError as exc:
                log.warning("summary cache: Redis unavailable (%s); computing", exc)
                raw = None
            if raw is not None:
                value = pickle.loads(raw)  # noqa: S301 - our own Redis, our own values
                self._keep(key, value)
                return True, value
        return False, None

    def put(self, key, value, shared: bool = True) -> None:
        self._keep(key, value)
        if shared and self.shared is not None:
            try:
                self.shared.set(self._shared_key(key), pickle.dumps(value), ex=SHARED_SECONDS)
            except redis.RedisError as exc:
                log.warning("summary cache: Redis unavailable (%s); not shared", exc)

    def _keep(self, key, value) -> None:
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def shared_url(config) -> str | None:
    """The Redis server the workers share figures through, if any."""
    if "SUMMARY_CACHE_URL" in config:
        return config["SUMMARY_CACHE_URL"] or None
    limiter = config.get("RATELIMIT_STORAGE_URI") or ""
    return limiter if limiter.startswith(("redis://", "rediss://")) else None


def _store() -> _Store:
    extensions = current_app.extensions
    if "projectmgr.summary_cache" not in extensions:
        config = current_app.config
        extensions["projectmgr.summary_cache"] = _Store(
            config.get("SUMMARY_CACHE_SIZE", MAX_ENTRIES), shared_url(config), config["SQLALCHEMY_DATABASE_URI"]
        )
    return extensions["projectmgr.summary_cache"]


def cached(key: tuple, compute: Callable, shared: bool = True):
    """compute() under (data version, *key); computed afresh whenever the version has moved.
    The value is shared between requests: callers must not change it. shared=False keeps it in
    this worker alone, never in Redis (a value that holds a secret of one session)."""
    version = current_version()
    if version is None:
        return compute()
    store = _store()
    found, value = store.get((version, *key), shared)
    if found:
        return value
    value = compute()
    store.put((version, *key), value, shared)
    return value
