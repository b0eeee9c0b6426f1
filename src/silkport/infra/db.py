"""Engine and session factory: SQLite (WAL, foreign keys on) or PostgreSQL, same code."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, create_engine, event
from sqlalchemy.engine import Engine
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
            read_only = conn.get_execution_options().get(READ_ONLY_OPTION, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20, **kwargs)


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[SASession]:
    """Sessions on ``engine``; ``read_only`` ones (on SQLite) start with a deferred BEGIN (see make_engine)."""
    bind = engine.execution_options(**{READ_ONLY_OPTION: True}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)
