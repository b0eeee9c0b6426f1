"""SQLite writers queue on a flock beside the database; a session that promised to read first holds nobody up
until its first write."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from silkport.infra.db import defer_begin, make_engine, make_session_factory
from silkport.infra.settings import Settings


def _engine(tmp_path: Path):  # type: ignore[no-untyped-def]
    engine = make_engine(Settings(database_url=f"sqlite:///{tmp_path / 'q.db'}"))
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))
    return engine


def _write_in_thread(sessions, value: int) -> tuple[threading.Thread, threading.Event]:  # type: ignore[no-untyped-def]
    done = threading.Event()

    def run() -> None:
        with sessions() as s, s.begin():
            s.execute(text("INSERT INTO t VALUES (:n)"), {"n": value})
        done.set()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, done


def test_concurrent_writers_all_commit_in_turn(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sessions = make_session_factory(engine)
    threads = [_write_in_thread(sessions, n)[0] for n in range(40)]
    for thread in threads:
        thread.join(timeout=30)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*), sum(n) FROM t")).one() == (40, sum(range(40)))
    assert (tmp_path / "q.db.writers").exists()
    engine.dispose()


def test_a_reading_filing_holds_nobody_up_until_it_writes(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sessions = make_session_factory(engine)
    filing: Session = sessions()
    defer_begin(filing)
    assert filing.execute(text("SELECT count(*) FROM t")).scalar_one() == 0  # reading, no transaction yet
    thread, done = _write_in_thread(sessions, 1)
    assert done.wait(10), "another writer waited for a session that only read"
    thread.join()
    # now the filing writes: it sees the other's row (no stale snapshot) and holds the queue to its commit
    filing.execute(text("INSERT INTO t VALUES (2)"))
    thread, done = _write_in_thread(sessions, 3)
    time.sleep(0.3)
    assert not done.is_set(), "a second writer got in while the filing's write transaction was open"
    assert filing.execute(text("SELECT count(*) FROM t")).scalar_one() == 2
    filing.commit()
    assert done.wait(10)
    thread.join()
    filing.close()
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2, 3]
    engine.dispose()


def test_a_session_that_never_writes_commits_nothing_and_frees_its_connection(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    sessions = make_session_factory(engine)
    with sessions() as filing:
        defer_begin(filing)
        filing.execute(text("SELECT 1"))
        filing.rollback()
    thread, done = _write_in_thread(sessions, 5)
    assert done.wait(10)
    thread.join()
    engine.dispose()
