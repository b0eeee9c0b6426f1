"""Engine and session factory: SQLite (WAL, foreign keys on) or PostgreSQL, same code."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Insert, MetaData, bindparam, create_engine, event, exc
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.orm import Session as SASession

from silkport.infra.settings import Settings

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every context's ORM rows (adapters only; the domain never sees it)."""

    metadata = MetaData(naming_convention=NAMING)


#: execution option of connections that only read (see make_session_factory)
READ_ONLY_OPTION = "silkport_read_only"
#: execution option of a write session that only reads until it writes (see make_engine, SQLite)
DEFER_BEGIN_OPTION = "silkport_defer_begin"
_DEFERRED = "silkport_begin_deferred"
_LOCK_FD = "silkport_writer_lock_fd"
_LOCK_HELD = "silkport_writer_lock_held"


class WriterQueue:
    """Writers of one SQLite file wait their turn in the kernel, not in SQLite's busy handler.

    SQLite lets one writer in at a time; the others retry in its busy handler, which sleeps in steps of up to
    100 ms whether or not the lock was freed meanwhile: under concurrent writers most of a write's latency is
    sleeping on a free database. Here every write transaction first takes an exclusive ``flock`` on a file beside
    the database (``<db>.writers``), across the threads and processes of the zone's servers, and the kernel wakes
    the next writer the moment the previous one commits or rolls back. The lock dies with its process, so a
    crashed writer never blocks the others; SQLite's own busy timeout stays as the guard against programs that
    do not queue here (the ``sqlite3`` shell, a migration run by hand).
    """

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".writers")
        self._mine = threading.local()  # how many write transactions this thread holds the queue for

    def acquire(self, info: dict[str, Any]) -> None:
        if getattr(self._mine, "held", 0):
            # a second write transaction inside one this thread already runs: waiting here would wait for
            # ourselves; SQLite's busy handler gives the "database is locked" error it always gave instead
            return
        fd = info.get(_LOCK_FD)
        if fd is None:
            fd = info[_LOCK_FD] = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL until the writer before us is done
        info[_LOCK_HELD] = True
        self._mine.held = 1

    def release(self, info: dict[str, Any]) -> None:
        if info.pop(_LOCK_HELD, False):
            self._mine.held = 0
            fcntl.flock(info[_LOCK_FD], fcntl.LOCK_UN)

    def close(self, info: dict[str, Any]) -> None:
        self.release(info)
        fd = info.pop(_LOCK_FD, None)
        if fd is not None:
            os.close(fd)


def make_engine(settings: Settings, **kwargs: Any) -> Engine:
    url = settings.database_url
    if settings.is_sqlite:
        path = settings.sqlite_path()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # take over transaction control so BEGIN is ours (pysqlite's legacy mode defers it)
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            if path is not None:
                cur.execute("PRAGMA journal_mode=WAL")
                cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            # IMMEDIATE takes the write lock up front: a transaction that reads then writes would otherwise
            # fail with "database is locked" when another writer got in between (SQLite cannot upgrade a
            # read lock while another writer is active, and busy_timeout does not apply to that case).
            # With WAL, readers of other connections are not blocked by it. Sessions made by
            # make_session_factory(..., read_only=True) only read: a deferred BEGIN, so they never queue
            # behind writers (and a write in one fails at once instead of passing unnoticed).
            options = conn.get_execution_options()
            conn.connection.info.pop(_DEFERRED, None)
            if options.get(READ_ONLY_OPTION, False):
                conn.exec_driver_sql("BEGIN")
                return
            if options.get(DEFER_BEGIN_OPTION, False):
                # a unit of work that promised to only read until it writes (see defer_begin): its reads run
                # outside any transaction, each seeing the latest commit, and the write transaction begins
                # at its first write -- the database stays free for other writers while it thinks
                conn.connection.info[_DEFERRED] = True
                return
            _begin_immediate(conn.connection)

        def _begin_immediate(connection: Any) -> None:
            if queue is not None:
                queue.acquire(connection.info)
            try:
                connection.dbapi_connection.execute("BEGIN IMMEDIATE")
            except BaseException:
                if queue is not None:
                    queue.release(connection.info)
                raise

        @event.listens_for(engine, "before_cursor_execute")
        def _sqlite_first_write(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            info = conn.connection.info
            if info.get(_DEFERRED) and not statement.lstrip()[:6].upper().startswith(("SELECT", "PRAGMA")):
                info[_DEFERRED] = False
                _begin_immediate(conn.connection)

        if path is not None:
            queue = WriterQueue(path)

            # The next writer may go once this one's COMMIT or ROLLBACK has run: issue it here, then let the
            # queue move (the driver's own commit()/rollback() that follows finds no transaction and does nothing).
            @event.listens_for(engine, "commit")
            def _sqlite_commit(conn: Any) -> None:
                conn.connection.info.pop(_DEFERRED, None)
                try:
                    if conn.connection.dbapi_connection.in_transaction:
                        conn.exec_driver_sql("COMMIT")
                finally:
                    queue.release(conn.connection.info)

            @event.listens_for(engine, "rollback")
            def _sqlite_rollback(conn: Any) -> None:
                conn.connection.info.pop(_DEFERRED, None)
                try:
                    if conn.connection.dbapi_connection.in_transaction:
                        conn.connection.dbapi_connection.rollback()
                finally:
                    queue.release(conn.connection.info)

            @event.listens_for(engine, "checkin")
            def _sqlite_checkin(_dbapi_conn: Any, record: Any) -> None:
                record.info.pop(_DEFERRED, None)
                queue.release(record.info)  # a connection never goes back to the pool holding the queue

            @event.listens_for(engine, "close")
            def _sqlite_close(_dbapi_conn: Any, record: Any) -> None:
                queue.close(record.info)
        else:
            queue = None

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, **kwargs)
    _ping_after_idle(engine)
    return engine


#: a pooled connection is checked with a ``SELECT 1`` before use only if it sat idle in the pool this long
PING_AFTER_IDLE_S = 0.5
_RETURNED_AT = "silkport_returned_at"


def _ping_after_idle(engine: Engine) -> None:
    """SQLAlchemy's ``pool_pre_ping``, except for connections that were in use a moment ago.

    ``pool_pre_ping`` costs a round trip on every checkout (two per API request: the token, the unit of work),
    to find connections the server dropped while they sat in the pool (a restart, an idle timeout). A connection
    returned less than ``PING_AFTER_IDLE_S`` ago was working then: it is not pinged (HikariCP's "alive bypass
    window", 500 ms by default, makes the same trade). A failed ping invalidates the pool, as pre-ping does; a
    connection invalidated after an error loses its mark and is pinged at its next checkout.
    """

    @event.listens_for(engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get(_RETURNED_AT)
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_S:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error:
            alive = False
        if not alive:
            raise exc.InvalidatePoolError("the connection failed its ping")

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()


_Shape = tuple[tuple[Insert, int, tuple[str, ...]], ...]
#: (dialect, shape: each part's statement, row count and columns) -> the combined statement's SQL and the bind
#: processor of each of its parameters (a few shapes: one per row counts)
_COMBINED: dict[tuple[str, _Shape], tuple[str, dict[str, Callable[[Any], Any] | None]]] = {}


#: combine only writes of up to this many values (a handful of rows): bigger batches -- an import, a seed --
#: go table by table, so the shapes kept stay few and no statement nears PostgreSQL's 65,535 parameters
_MAX_COMBINED = 1000


def insert_together(conn: Connection, parts: list[tuple[Insert, list[dict[str, Any]]]]) -> None:
    """Run several ``INSERT`` statements (each with its rows; an ``ON CONFLICT`` upsert is one too) in order.

    On PostgreSQL they go as **one** statement -- the first ones as data-modifying CTEs (``WITH w0 AS (INSERT
    ...), w1 AS (INSERT ...) INSERT ...``), one multi-row ``VALUES`` each, in the rows' order (a serial key
    follows it) -- in one round trip, instead of one statement per table (or a pipelined executemany per table,
    as the driver sends several rows): each statement costs the driver, SQLAlchemy and the server more
    than its rows do. Foreign keys between the parts hold (PostgreSQL checks them at the end of the statement);
    the parts see one snapshot, so none may read what another writes, and no two may touch the same row.

    The combined statement is compiled once per shape (the parts, their columns and row counts) and kept here
    with its parameters' bind processors: SQLAlchemy does not cache statements with multi-row ``VALUES``, and
    compiling one costs more than the round trips it saves. Its SQL text then stays the same, so the driver
    prepares it on the server. Elsewhere (SQLite, where a statement is a function call), and for batches of
    more than ``_MAX_COMBINED`` values, each part runs on its own, in order."""
    parts = [(stmt, rows) for stmt, rows in parts if rows]
    if not parts:
        return
    dialect = conn.dialect
    size = sum(len(rows) * len(rows[0]) for _stmt, rows in parts)
    if dialect.name != "postgresql" or (len(parts) == 1 and len(parts[0][1]) == 1) or size > _MAX_COMBINED:
        for stmt, rows in parts:
            conn.execute(stmt, rows if len(rows) > 1 else rows[0])
        return
    shape = tuple((stmt, len(rows), tuple(rows[0])) for stmt, rows in parts)
    found = _COMBINED.get((dialect.name, shape))
    if found is None:
        found = _COMBINED[(dialect.name, shape)] = _combine(shape, dialect)
    sql, processors = found
    params = {}
    for i, (_stmt, rows) in enumerate(parts):
        for r, row in enumerate(rows):
            for name, value in row.items():
                key = f"p{i}_{r}_{name}"
                process = processors[key]
                params[key] = value if process is None or value is None else process(value)
    conn.exec_driver_sql(sql, params)


def _combine(shape: _Shape, dialect: Dialect) -> tuple[str, dict[str, Callable[[Any], Any] | None]]:
    statements = []
    processors: dict[str, Callable[[Any], Any] | None] = {}
    for i, (stmt, count, names) in enumerate(shape):
        columns = stmt.table.c
        rows = []
        for r in range(count):
            row = {}
            for name in names:
                key = f"p{i}_{r}_{name}"
                column_type = columns[name].type
                row[name] = bindparam(key, type_=column_type)
                processors[key] = column_type.dialect_impl(dialect).bind_processor(dialect)
            rows.append(row)
        statements.append(stmt.values(rows))
    *first, last = statements
    combined = last.add_cte(*(stmt.cte(f"w{i}") for i, stmt in enumerate(first))) if first else last
    return str(combined.compile(dialect=dialect)), processors


def defer_begin(session: SASession) -> None:
    """Promise that ``session`` (not begun yet) only reads until it writes: on SQLite its write transaction
    then begins at its first write instead of its first read. Only for work whose reads need no protection
    from writers in between (no read-modify-write of shared rows: the writes are inserts, atomic increments
    and rows guarded by unique keys). Elsewhere a no-op."""
    if session.get_bind().dialect.name == "sqlite":
        session.connection(execution_options={DEFER_BEGIN_OPTION: True})


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[SASession]:
    """Sessions on ``engine``. ``read_only`` ones start with a deferred BEGIN on SQLite (see make_engine) and run
    in autocommit on PostgreSQL: for lookups of a row or two (a request's token) where one snapshot per
    statement is enough, never for reads that must agree with each other."""
    bind = engine
    if read_only:
        options: dict[str, Any] = {READ_ONLY_OPTION: True}
        if engine.dialect.name == "postgresql":
            # each read is its own statement-level snapshot: no BEGIN and COMMIT round trips around a token check
            options["isolation_level"] = "AUTOCOMMIT"
        bind = engine.execution_options(**options)
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)
