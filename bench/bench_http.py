"""Lodgements per second through HTTP with the real server, vs a bare endpoint that only decodes and inserts.

Goal (the clearance issue): with the real server (uvicorn, 2 workers) on SQLite and on PostgreSQL, lodgement
throughput >= 50% of a bare endpoint that inserts the same rows without the engine, and p99 < 50 ms.

What it does, in one invocation:

1. a fresh database: a SQLite file in a temp dir (default), or, with ``--database-url postgresql+psycopg://...``,
   a new database ``silkport_bench_<random>`` on that server (dropped at the end); an ``sqlite:///`` URL is
   used as given. ``silkport db upgrade`` migrates and seeds it; enterprises, trader users and API bearer
   tokens are created through the service layer (``register_enterprise``, ``create_user``, ``issue_token``);
2. two servers, each uvicorn with 2 workers on loopback: ``silkport serve --workers 2`` (the real app) and
   ``bench_http_bare:app`` (decode with ``DeclarationIn`` + insert the same rows a real lodgement writes, copied
   from one lodgement made through silkport beforehand, in one transaction; nothing else -- ``--bare minimal``:
   only the declaration row and its version row);
3. a warm-up of each (every worker imports, connects, loads its reference data), then ``--rounds`` rounds that
   alternate the two (AB, BA, AB...), each driving lodgements -- POST /api/v1/declarations, the 5-item
   declaration of ``bench_clearance.py``, distinct LRNs, each trader's bearer token in turn -- for at most
   ``--seconds`` or ``--requests``, from ``--concurrency`` keep-alive connections. The default client writes
   prepared HTTP/1.1 requests on asyncio streams, because the client shares the machine's cores with the servers
   and httpx would cost about 1 ms of CPU per request (``--client httpx`` measures with httpx). Latency is the
   client's, send to last byte, so it includes queueing behind the other connections;
4. a table: lodgements/s, p50/p90/p99/max latency, failures, the servers' CPU per request (their process trees,
   from /proc), the client's CPU per request, and how busy the machine was; then the ratio and the goals;
5. then the **open loop** (``--rate-share``, default 0.5; or ``--rate``): both servers are offered the same rate R
   on a fixed schedule -- request i is due at start + i/R, whether or not earlier ones were answered -- for
   ``--seconds``, in ``--open-rounds`` alternating rounds. R is the given share of silkport's closed-loop
   throughput measured a moment before in the same run (so 0.5 = half of what silkport sustains here), or the
   rates given. Latency runs from each request's *due time* to the last byte of its response: a request that
   waited for the client (no idle connection, the client's event loop behind) is charged for the wait, so a
   stall is not hidden by the client sending less during it (coordinated omission). ``late`` is the share of
   requests that left more than 1 ms after their due time and ``lag p99`` the 99th percentile of that delay in
   ms (the client itself behind: it shares the cores); requests unanswered 30 s after the last was due count
   as failures.

What the figures mean:

- closed loop (``lodg/s``, ``p50/p90/p99``): throughput at **saturation** -- 8 connections always busy -- and the
  latency a request sees there, most of which is waiting behind the other 7 (queueing); the throughput ratio
  to the bare endpoint is the issue's first goal;
- open loop (``p50/p99`` at R/s): the latency of a request when the server is offered R/s -- a **latency at a
  stated load**, the reading of the p99 < 50 ms goal that does not depend on how many connections the client
  keeps busy; both servers get the same R (the bare one is then far from its own saturation).

Each server lodges for its own trader enterprises, so neither's rows count in the other's trader history. The
client, the servers and (for a local PostgreSQL) the database share the machine's cores: the table says how
much CPU each took, so read the throughput with that in mind. SQLite has one writer at a time.

    .venv/bin/python bench/bench_http.py [--concurrency 8] [--seconds 5] [--rounds 3] [--requests 5000]
    .venv/bin/python bench/bench_http.py --rate-share 0.25,0.5,0.75 --open-rounds 2   # latency at three loads
    .venv/bin/python bench/bench_http.py --rate 60,120 --rate-share ''                   # at given rates
    .venv/bin/python bench/bench_http.py --database-url postgresql+psycopg://postgres@127.0.0.1:55432/postgres
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import json
import os
import platform as pyplatform
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from silkport.bootstrap import bootstrap
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import EnterpriseDetails, Sector
from silkport.enterprises.services import auth, handlers
from silkport.entrypoints.cli.setup import demo_uscc
from silkport.infra.settings import Settings
from silkport.shared.actor import SYSTEM, Role

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_clearance import five_item_declaration, machine  # a sibling script: the same declaration

BENCH_DIR = Path(__file__).resolve().parent
SILKPORT = [sys.executable, "-m", "silkport.entrypoints.cli"]
BARE = [sys.executable, "-m", "uvicorn", "bench_http_bare:app", "--app-dir", str(BENCH_DIR), "--log-level", "warning"]
GOAL_SHARE = 0.5
GOAL_P99_MS = 50.0
CLK_TCK = os.sysconf("SC_CLK_TCK")
PATH = "/api/v1/declarations"


# ------------------------------------------------------------------------------------------ the database


@contextlib.contextmanager
def fresh_database(url: str | None, tmp: Path) -> Iterator[str]:
    """A database URL for this run: a temp SQLite file, the SQLite URL given, or a new PostgreSQL database."""
    if not url:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    if url.startswith("sqlite"):
        yield url
        return
    name = f"silkport_bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(
        make_url(url).set(database="postgres").render_as_string(hide_password=False), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def migrate(url: str) -> None:
    env = {**os.environ, "SILKPORT_DATABASE_URL": url}
    subprocess.run([*SILKPORT, "db", "upgrade"], env=env, check=True)


@dataclass(frozen=True)
class Trader:
    enterprise_id: str
    token: str


def create_traders(url: str, count: int, tag: str) -> list[Trader]:
    """Enterprises (active, general credit grade), one trader user each, and an API token each."""
    platform = bootstrap(Settings(database_url=url), fast_hashing=True)
    traders: list[Trader] = []
    try:
        for n in range(count):
            serial = (9000 if tag == "S" else 9500) + n
            details = EnterpriseDetails(
                name_en=f"Bench Trading {tag}{n} Co., Ltd.",
                name_zh=f"基准贸易{tag}{n}有限公司",
                country="CN",
                area_code="HORGOS",
                sectors=frozenset({Sector.TRADE}),
                registration_date=date(2024, 3, 1),
                uscc=demo_uscc(serial),
            )
            enterprise = handlers.register_enterprise(
                platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=details)
            )
            user = auth.create_user(
                platform.enterprises_uow(),
                SYSTEM,
                platform.hasher,
                username=f"bench-trader-{tag.lower()}{n}",
                password=uuid.uuid4().hex,
                role=Role.TRADER,
                enterprise_id=enterprise.id,
            )
            raw, _ = auth.issue_token(platform.enterprises_uow(), user, "api", timedelta(hours=4))
            traders.append(Trader(enterprise.id, raw))
    finally:
        platform.dispose()
    return traders


def lanes(url: str, prefix: str) -> dict[str, int]:
    """How the lodgements with LRNs starting with ``prefix`` ended: status/lane counts from the database."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT status, coalesce(lane, '-'), count(*) FROM declarations WHERE lrn LIKE :p "
                    "GROUP BY status, lane ORDER BY count(*) DESC"
                ),
                {"p": prefix + "%"},
            ).all()
    finally:
        engine.dispose()
    return {f"{status}/{lane}": int(n) for status, lane, n in rows}


#: the tables one lodgement writes (the bare endpoint's copies, see bench_http_bare.py)
LODGEMENT_TABLES = (
    "declarations",
    "declaration_versions",
    "risk_assessments",
    "duty_assessments",
    "declaration_status_history",
    "audit_log",
    "outbox",
)


def capture_rows(url: str, trader: Trader, path: Path) -> dict[str, int]:
    """Lodge one declaration through silkport (in-process) and save every row it wrote, table by table, as the
    bare endpoint's template. Returns the row count per table."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient would rather have httpx2
        from fastapi.testclient import TestClient

    from silkport.entrypoints.web.app import create_app

    platform = bootstrap(Settings(database_url=url, log_level="WARNING"))
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            marks = {t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one() for t in LODGEMENT_TABLES}
        content, headers = bodies("CAPTURE-", 1, [trader])[0]
        with TestClient(create_app(platform)) as client:
            response = client.post(PATH, content=content, headers=headers)
        if response.status_code != 201:
            raise SystemExit(f"the capture lodgement failed: {response.status_code} {response.text[:300]}")
        declaration_id = response.json()["id"]
        rows: dict[str, list[dict[str, Any]]] = {}
        with engine.connect() as conn:
            for table in LODGEMENT_TABLES:
                found = conn.execute(text(f"SELECT * FROM {table}")).mappings().all()
                if table in ("audit_log", "outbox"):  # no declaration id column: what this lodgement added
                    found = found[marks[table] :]
                else:
                    key = "id" if table == "declarations" else "declaration_id"
                    found = [r for r in found if r[key] == declaration_id]
                rows[table] = [{k: _plain(v) for k, v in r.items()} for r in found]
    finally:
        engine.dispose()
        platform.dispose()
    path.write_text(json.dumps(rows), encoding="utf-8")
    return {t: len(r) for t, r in rows.items()}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value) if not isinstance(value, int | float | bool | str | list | dict | None) else value


# ------------------------------------------------------------------------------------------ the servers


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    name: str
    port: int
    proc: subprocess.Popen[bytes]
    log: IO[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)  # the group this script started, by its id
                self.proc.wait(timeout=5)
        self.log.close()


def start(name: str, cmd: list[str], port: int, url: str, tmp: Path, extra_env: dict[str, str] | None = None) -> Server:
    log = (tmp / f"{name}.log").open("wb")
    env = {**os.environ, "SILKPORT_DATABASE_URL": url, **(extra_env or {})}
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return Server(name, port, proc, log)


def wait_ready(server: Server, tmp: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.proc.poll() is not None:
            break
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.url + "/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    tail = (tmp / f"{server.name}.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    raise SystemExit(f"{server.name} did not come up on {server.url}:\n{tail}")


def processes() -> dict[int, tuple[int, str, float]]:
    """Every process: pid -> (parent pid, command name, user + system CPU seconds), from /proc."""
    found: dict[int, tuple[int, str, float]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, IndexError, ValueError):
            continue
        fields = rest.split()
        found[int(entry.name)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / CLK_TCK)
    return found


def tree_cpu_seconds(root: int, procs: dict[int, tuple[int, str, float]] | None = None) -> dict[int, float]:
    """CPU seconds of ``root`` and of each of its descendants, by pid."""
    procs = procs if procs is not None else processes()
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        for child, (parent, _, _) in procs.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return {pid: procs[pid][2] for pid in tree if pid in procs}


def postgres_cpu_seconds(procs: dict[int, tuple[int, str, float]]) -> float:
    """CPU seconds of every ``postgres`` process on this machine (the local database server's share)."""
    return sum(cpu for _, comm, cpu in procs.values() if comm == "postgres")


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    return {pid: t - before.get(pid, 0.0) for pid, t in after.items()}


def logged_errors(log: Path) -> Counter[str]:
    """The exceptions a server logged (the last line of each traceback), counted."""
    found: Counter[str] = Counter()
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        head = line.split(":", 1)[0]
        if head.endswith(("Error", "Exception")) and "." in head and not line.startswith(" "):
            found[line[:200]] += 1
    return found


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return float(sum(values) - idle), float(sum(values))


# ------------------------------------------------------------------------------------------ the load


@dataclass
class Run:
    server: str
    latencies: list[float] = field(default_factory=list)  # seconds, successful lodgements
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    server_cpu: float = 0.0
    client_cpu: float = 0.0
    busy: float = 0.0  # share of the machine's CPUs busy during the run
    worker_split: float = 0.5  # the busier worker's share of the two workers' CPU
    db_cpu: float = 0.0  # CPU of the local postgres processes during the run
    others_cpu: float = 0.0  # CPU of every other process on the machine (alive at the start and the end)
    cores: int = os.cpu_count() or 1
    late: int = 0  # open loop: requests that left the client more than 1 ms after their due time
    lags: list[float] = field(default_factory=list)  # open loop: seconds from each request's due time to its send

    @property
    def others_share(self) -> float:
        """The share of the machine's CPU that other programs took during the run."""
        return self.others_cpu / (self.cores * max(self.elapsed, 1e-9))

    @property
    def unattributed_share(self) -> float:
        """The share of the machine's CPU busy in no process seen at both ends (kernel work, short-lived processes)."""
        used = self.server_cpu + self.db_cpu + self.client_cpu + self.others_cpu
        return max(0.0, self.busy - used / (self.cores * max(self.elapsed, 1e-9)))

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def failed(self) -> int:
        return sum(self.statuses.values()) - self.ok


def bodies(prefix: str, count: int, traders: list[Trader]) -> list[tuple[bytes, dict[str, str]]]:
    """Distinct LRNs, the traders in turn; every body declares the calling trader's own enterprise."""
    base = five_item_declaration()
    out = []
    for n in range(count):
        trader = traders[n % len(traders)]
        body = {**base, "declarant": trader.enterprise_id, "lrn": f"{prefix}{n:07d}"}
        headers = {"Authorization": f"Bearer {trader.token}", "Content-Type": "application/json"}
        out.append((json.dumps(body, ensure_ascii=False).encode(), headers))
    return out


class RawConnection:
    """One keep-alive HTTP/1.1 connection that writes prepared request bytes and reads the response: a client
    that costs the shared CPUs far less than httpx does (``--client httpx`` measures with httpx instead)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def send(self, request: bytes) -> tuple[int, bytes]:
        if self.reader is None or self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        reader = self.reader
        try:
            self.writer.write(request)
            head = (await reader.readuntil(b"\r\n\r\n")).lower()
            status = int(head[9:12])
            if b"transfer-encoding: chunked" in head:
                body = b""
                while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
                    body += (await reader.readexactly(size + 2))[:-2]
                await reader.readuntil(b"\r\n")
            else:
                length = re.search(rb"content-length:\s*(\d+)", head)
                body = await reader.readexactly(int(length.group(1))) if length else b""
            if b"connection: close" in head:
                await self.close()
            return status, body
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            await self.close()
            raise

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None


def raw_request(port: int, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [f"POST {PATH} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Measure:
    """CPU of the server's processes, the database, this client and everyone else between two instants (/proc)."""

    def __init__(self, server: Server, run: Run, local_postgres: bool) -> None:
        self.server, self.run, self.local_postgres = server, run, local_postgres

    def start(self) -> None:
        self.procs0, self.client0, self.busy0 = processes(), time.process_time(), machine_busy()

    def stop(self) -> None:
        run, server = self.run, self.server
        busy1, procs1 = machine_busy(), processes()
        procs0 = self.procs0
        run.client_cpu = time.process_time() - self.client0
        if self.local_postgres:
            run.db_cpu = postgres_cpu_seconds(procs1) - postgres_cpu_seconds(procs0)
        per_process = cpu_delta(tree_cpu_seconds(server.proc.pid, procs0), tree_cpu_seconds(server.proc.pid, procs1))
        run.server_cpu = sum(per_process.values())
        # how the work fell on the two workers: keep-alive connections stay with the worker that accepted them
        top = sorted(per_process.values(), reverse=True)[:2]
        run.worker_split = top[0] / max(sum(top), 1e-9)
        run.busy = (busy1[0] - self.busy0[0]) / max(busy1[1] - self.busy0[1], 1.0)
        everyone = cpu_delta({pid: p[2] for pid, p in procs0.items()}, {pid: p[2] for pid, p in procs1.items()})
        counted = set(per_process) | {os.getpid()}
        counted |= {pid for pid, p in procs1.items() if p[1] == "postgres"} if self.local_postgres else set()
        run.others_cpu = sum(t for pid, t in everyone.items() if pid in procs0 and pid not in counted)


async def drive(
    server: Server,
    work: list[tuple[bytes, dict[str, str]]],
    concurrency: int,
    limit_s: float,
    client: str = "raw",
    reconnect_every: int = 0,
    local_postgres: bool = False,
) -> Run:
    """Closed loop: ``concurrency`` connections, each sending its next request when the last one answered."""
    run = Run(server.name)
    next_index = iter(range(len(work)))
    requests = [raw_request(server.port, body, headers) for body, headers in work] if client == "raw" else []
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=60) as pool:

        async def connection(deadline: float) -> None:
            raw = RawConnection(server.port)
            sent = 0
            try:
                for i in next_index:
                    if time.perf_counter() > deadline:
                        return
                    if reconnect_every and sent and sent % reconnect_every == 0:
                        await raw.close()  # the next connection goes to whichever worker is free to accept it
                    sent += 1
                    t0 = time.perf_counter()
                    try:
                        if client == "raw":
                            status, body = await raw.send(requests[i])
                        else:
                            response = await pool.post(PATH, content=work[i][0], headers=work[i][1])
                            status, body = response.status_code, response.content
                    except (OSError, asyncio.IncompleteReadError, httpx.HTTPError) as exc:
                        run.statuses[0] += 1  # a dropped connection counts as a failure (status 0)
                        if len(run.errors) < 3:
                            run.errors.append(f"{type(exc).__name__}: {exc}")
                        continue
                    latency = time.perf_counter() - t0
                    run.statuses[status] += 1
                    if status == 201:
                        run.latencies.append(latency)
                    elif len(run.errors) < 3:
                        run.errors.append(f"{status}: {body[:300].decode(errors='replace')}")
            finally:
                await raw.close()

        measure = Measure(server, run, local_postgres)
        measure.start()
        start = time.perf_counter()
        await asyncio.gather(*(connection(start + limit_s) for _ in range(concurrency)))
        run.elapsed = time.perf_counter() - start
        measure.stop()
    return run


async def drive_open(
    server: Server,
    work: list[tuple[bytes, dict[str, str]]],
    rate: float,
    limit_s: float,
    reconnect_every: int = 0,
    local_postgres: bool = False,
    max_connections: int = 256,
) -> Run:
    """Open loop: request i is due at ``start + i / rate`` (a fixed schedule, whatever the server does) and its
    latency runs from that due time to the last byte of its response -- a request that had to wait for the
    client (no free connection, the event loop late) is charged for the wait, so coordinated omission is not
    hidden. Each request goes out on an idle keep-alive connection, or a new one (at most ``max_connections``
    open; then it waits, on the clock). Requests still unanswered 30 s after the last one was due count as
    failures (status 0). ``run.late`` counts requests that left more than 1 ms after their due time."""
    run = Run(server.name)
    count = min(len(work), int(rate * limit_s))
    requests = [raw_request(server.port, body, headers) for body, headers in work[:count]]
    idle: list[tuple[RawConnection, int]] = []  # (connection, requests it sent)
    slots = asyncio.Semaphore(max_connections)

    async def one(i: int, due: float) -> None:
        async with slots:
            raw, sent = idle.pop() if idle else (RawConnection(server.port), 0)
            lag = time.perf_counter() - due
            run.lags.append(lag)
            if lag > 0.001:
                run.late += 1
            try:
                status, body = await raw.send(requests[i])
            except (OSError, asyncio.IncompleteReadError) as exc:
                run.statuses[0] += 1
                if len(run.errors) < 3:
                    run.errors.append(f"{type(exc).__name__}: {exc}")
                return
            latency = time.perf_counter() - due
            run.statuses[status] += 1
            if status == 201:
                run.latencies.append(latency)
            elif len(run.errors) < 3:
                run.errors.append(f"{status}: {body[:300].decode(errors='replace')}")
            sent += 1
            if raw.writer is not None and not (reconnect_every and sent % reconnect_every == 0):
                idle.append((raw, sent))
            else:
                await raw.close()  # the next connection goes to whichever worker is free to accept it

    measure = Measure(server, run, local_postgres)
    measure.start()
    start = time.perf_counter()
    tasks = []
    for i in range(count):
        due = start + i / rate
        pause = due - time.perf_counter()
        if pause > 0:
            await asyncio.sleep(pause)
        tasks.append(asyncio.ensure_future(one(i, due)))
    _done, pending = await asyncio.wait(tasks, timeout=30) if tasks else (set(), set())
    for task in pending:
        task.cancel()
        run.statuses[0] += 1
    run.elapsed = max(time.perf_counter() - start, count / rate)
    measure.stop()
    for raw, _ in idle:
        await raw.close()
    return run


def merge(runs: list[Run]) -> Run:
    total = Run(runs[0].server, worker_split=0.0)
    for r in runs:
        total.latencies += r.latencies
        total.statuses.update(r.statuses)
        total.errors += r.errors
        total.elapsed += r.elapsed
        total.server_cpu += r.server_cpu
        total.client_cpu += r.client_cpu
        total.db_cpu += r.db_cpu
        total.others_cpu += r.others_cpu
        total.busy += r.busy * r.elapsed
        total.worker_split += r.worker_split * r.elapsed
        total.late += r.late
        total.lags += r.lags
    total.busy /= max(total.elapsed, 1e-9)
    total.worker_split /= max(total.elapsed, 1e-9)
    return total


def percentile(latencies: list[float], p: int) -> float:
    if len(latencies) < 2:
        return latencies[0] if latencies else float("nan")
    return statistics.quantiles(latencies, n=100, method="inclusive")[p - 1]


def row(label: str, r: Run) -> list[str]:
    ms = [x * 1000 for x in r.latencies]
    done = max(sum(r.statuses.values()), 1)
    return [
        label,
        f"{r.ok:,}",
        f"{r.failed:,}",
        f"{r.ok / r.elapsed:,.0f}",
        f"{percentile(ms, 50):.1f}",
        f"{percentile(ms, 90):.1f}",
        f"{percentile(ms, 99):.1f}",
        f"{max(ms, default=float('nan')):.1f}",
        f"{r.server_cpu / done * 1000:.2f}",
        f"{r.db_cpu / done * 1000:.2f}" if r.db_cpu else "-",
        f"{r.client_cpu / done * 1000:.2f}",
        f"{r.busy:.0%}",
        f"{r.others_share:.0%}",
        f"{r.unattributed_share:.0%}",
        f"{r.worker_split:.0%}",
    ]


# ------------------------------------------------------------------------------------------ where the time goes


def phases(url: str, traders: list[Trader], count: int) -> Table:
    """Lodge ``count`` declarations one at a time through the real app in this process (ASGI, no sockets) and
    print, per phase of a lodgement, the mean wall time, CPU time and SQL statements (phases nest)."""
    import warnings

    from sqlalchemy import event

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # starlette's TestClient would rather have httpx2
        from fastapi.testclient import TestClient

    from silkport.bootstrap import RegistryLookup
    from silkport.clearance import api
    from silkport.clearance.adapters.repository import (
        SqlClearanceUnitOfWork,
        SqlDeclarationRepository,
        SqlRulebookStore,
    )
    from silkport.clearance.services import handlers as clearance
    from silkport.entrypoints.web.app import create_app
    from silkport.infra.audit import SqlAuditTrail

    platform = bootstrap(Settings(database_url=url, log_level="WARNING"))  # no access log lines on the console
    statements = [0]
    event.listen(platform.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))
    totals: dict[str, list[float]] = {}  # label -> [wall s, CPU s, SQL statements, calls]

    def timed(label: str, fn: Any) -> Any:
        totals[label] = [0.0, 0.0, 0.0, 0.0]

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            wall, cpu, sql = time.perf_counter(), time.process_time(), statements[0]
            try:
                return fn(*args, **kwargs)
            finally:
                t = totals[label]
                t[0] += time.perf_counter() - wall
                t[1] += time.process_time() - cpu
                t[2] += statements[0] - sql
                t[3] += 1

        return wrapper

    targets: list[tuple[Any, str, str]] = [
        (auth, "resolve_token", "auth.resolve_token (bearer token -> actor)"),
        (clearance, "file_declaration", "clearance.services.handlers.file_declaration"),
        (clearance, "check", "  handlers.check (validate)"),
        (SqlRulebookStore, "active", "  SqlRulebookStore.active"),
        (SqlClearanceUnitOfWork, "prefetch_filing", "  prefetch_filing (rulebook key + declarant's counters)"),
        (RegistryLookup, "status_and_grade", "  bootstrap.RegistryLookup.status_and_grade"),
        (SqlDeclarationRepository, "add", "  SqlDeclarationRepository.add (declaration + version)"),
        (SqlAuditTrail, "record", "  infra.audit.SqlAuditTrail.record"),
        (clearance, "trader_profile", "  handlers.trader_profile (history counts + grade)"),
        (clearance, "assess", "  rules.assess (the risk engine)"),
        (SqlDeclarationRepository, "add_assessment", "  SqlDeclarationRepository.add_assessment"),
        (clearance, "_taxes", "  duties.assess_duties (the tax engine)"),
        (SqlDeclarationRepository, "set_taxes", "  SqlDeclarationRepository.set_taxes"),
        (SqlDeclarationRepository, "save", "  SqlDeclarationRepository.save (+ status history)"),
        (api, "present", "clearance.api.present (the response: assessment_of, taxes_of)"),
        (SqlClearanceUnitOfWork, "commit", "  the commit (the write burst, the audit chain, COMMIT)"),
        (SqlDeclarationRepository, "write_pending", "    SqlDeclarationRepository.write_pending (+ outbox)"),
        (SqlAuditTrail, "seal", "    infra.audit.SqlAuditTrail.seal (lock, chain head, entries)"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name, _ in targets]
    try:
        for owner, name, label in targets:
            setattr(owner, name, timed(label, getattr(owner, name)))
        work = bodies("P-", count + 20, traders)
        with TestClient(create_app(platform)) as client:
            for content, headers in work[:20]:  # warm-up
                client.post(PATH, content=content, headers=headers)
            for t in totals.values():
                t[:] = [0.0, 0.0, 0.0, 0.0]
            statements[0] = 0
            wall, cpu = time.perf_counter(), time.process_time()
            for content, headers in work[20:]:
                response = client.post(PATH, content=content, headers=headers)
                if response.status_code != 201:
                    raise SystemExit(f"lodgement failed: {response.status_code} {response.text[:300]}")
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        platform.dispose()

    table = Table(
        title=f"where a lodgement's time goes: {count} lodgements one at a time, in-process (ASGI, no sockets)",
        title_justify="left",
    )
    for col in ("phase (indented: inside file_declaration; phases nest)", "calls", "wall ms", "CPU ms", "SQL"):
        table.add_column(col, justify="left" if col.startswith("phase") else "right")
    table.add_row(
        "one lodgement, end to end",
        "1",
        f"{wall / count * 1000:.2f}",
        f"{cpu / count * 1000:.2f}",
        f"{statements[0] / count:.1f}",
    )
    for label, (w, c, n, k) in totals.items():
        table.add_row(label, f"{k / count:g}", f"{w / count * 1000:.2f}", f"{c / count * 1000:.2f}", f"{n / count:.1f}")
    return table


# ------------------------------------------------------------------------------------------ main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=5000, help="at most this many lodgements per server per round")
    parser.add_argument("--seconds", type=float, default=5, help="at most this long per server per round")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent client connections")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per server, alternating (AB BA AB...)")
    parser.add_argument("--database-url", default=None, help="postgresql+psycopg://... (a fresh db is made there)")
    parser.add_argument(
        "--phases", type=int, default=0, help="then lodge this many in-process and show where the time goes"
    )
    parser.add_argument("--traders", type=int, default=4, help="trader enterprises lodging in turn")
    parser.add_argument(
        "--bare",
        choices=("same-rows", "minimal"),
        default="same-rows",
        help="what the bare endpoint inserts: the rows of one real lodgement (the issue's yardstick) or only the "
        "declaration and its version",
    )
    parser.add_argument("--client", choices=("raw", "httpx"), default="raw", help="the load generator's HTTP client")
    parser.add_argument(
        "--rate-share",
        default="0.5",
        help="open loop after the closed loop: offer these fractions (comma-separated) of silkport's closed-loop "
        "throughput measured in this run, the same rate to both servers; '' for none",
    )
    parser.add_argument(
        "--rate", default="", help="open loop at these absolute rates (requests/s, comma-separated) instead"
    )
    parser.add_argument("--open-rounds", type=int, default=2, help="open-loop rounds per server and rate (AB, BA...)")
    parser.add_argument(
        "--reconnect-every",
        type=int,
        default=5,
        help="open a new connection after this many requests (raw client; 0: never) -- see README",
    )
    args = parser.parse_args()
    console = Console(width=None if Console().is_terminal else 180)
    warmup = max(8 * args.concurrency, 64)
    with tempfile.TemporaryDirectory(prefix="silkport-bench-http-") as tmp_name:
        tmp = Path(tmp_name)
        with fresh_database(args.database_url, tmp) as url:
            backend = make_url(url).get_backend_name()
            local_db = backend == "postgresql" and make_url(url).host in ("127.0.0.1", "localhost", "::1")
            load = functools.partial(
                drive,
                concurrency=args.concurrency,
                client=args.client,
                reconnect_every=args.reconnect_every,
                local_postgres=local_db,
            )
            console.print(f"[bold]machine[/bold]: {machine()}; load average {os.getloadavg()[0]:.2f} before the run")
            console.print(f"database: {backend} ({make_url(url).render_as_string(hide_password=True)})")
            migrate(url)
            # each server lodges for its own enterprises, so the bare rows never count in silkport's trader history
            traders = {key: create_traders(url, args.traders, key[0].upper()) for key in ("silkport", "bare")}
            bare_env = {"SILKPORT_BENCH_BARE": args.bare}
            if args.bare == "same-rows":
                template = tmp / "lodgement-rows.json"
                counts = capture_rows(url, traders["silkport"][0], template)
                bare_env["SILKPORT_BENCH_ROWS"] = str(template)
                console.print(
                    f"bare endpoint: the same rows as one lodgement ({sum(counts.values())}: "
                    + ", ".join(f"{n} {t}" for t, n in counts.items())
                    + ")"
                )
            else:
                console.print("bare endpoint: minimal (the declaration row and its version row)")
            real_port, bare_port = free_port(), free_port()
            servers = {
                "silkport": start(
                    "silkport",
                    [*SILKPORT, "serve", "--host", "127.0.0.1", "--port", str(real_port), "--workers", "2"],
                    real_port,
                    url,
                    tmp,
                ),
                "bare": start(
                    "bare",
                    [*BARE, "--host", "127.0.0.1", "--port", str(bare_port), "--workers", "2"],
                    bare_port,
                    url,
                    tmp,
                    bare_env,
                ),
            }
            try:
                for server in servers.values():
                    wait_ready(server, tmp)
                # warm-up: both workers import, connect and load their reference data before the clock runs; a
                # new connection per request lands on whichever worker is free, so a slow first request on one
                # worker sends the next connections to the other
                for key, server in servers.items():
                    for attempt in range(1, 6):
                        warm_work = bodies(f"W{attempt}{key[0]}-", warmup, traders[key])
                        warm = asyncio.run(load(server, warm_work, limit_s=120, reconnect_every=1))
                        console.print(
                            f"warm-up {key:8s}: {warm.ok} ok, {warm.failed} failed {dict(warm.statuses)} in "
                            f"{warm.elapsed:.1f} s, busier worker did {warm.worker_split:.0%}"
                        )
                        if warm.worker_split < 0.8 and warm.elapsed < 5:
                            break
                runs: dict[str, list[Run]] = {"silkport": [], "bare": []}
                for r in range(args.rounds):
                    order = ["silkport", "bare"] if r % 2 == 0 else ["bare", "silkport"]
                    for key in order:
                        work = bodies(f"{key[0].upper()}{r}-", args.requests, traders[key])
                        run = asyncio.run(load(servers[key], work, limit_s=args.seconds))
                        runs[key].append(run)
                        console.print(
                            f"round {r + 1} {key:8s}: {run.ok:,} ok, {run.failed:,} failed in {run.elapsed:.1f} s "
                            f"({run.ok / run.elapsed:,.0f}/s), statuses {dict(run.statuses)}, "
                            f"busier worker did {run.worker_split:.0%}"
                        )
                # open loop: the same offered rate for both servers, a fixed fraction of silkport's capacity as
                # just measured (or given rates), latency from each request's due time
                capacity = sum(r.ok for r in runs["silkport"]) / sum(r.elapsed for r in runs["silkport"])
                rates = [float(x) for x in args.rate.split(",") if x.strip()] or [
                    round(float(x) * capacity, 1) for x in args.rate_share.split(",") if x.strip()
                ]
                open_runs: dict[float, dict[str, list[Run]]] = {}
                for n_rate, rate in enumerate(rates):
                    open_runs[rate] = {"silkport": [], "bare": []}
                    for r in range(args.open_rounds):
                        order = ["silkport", "bare"] if r % 2 == 0 else ["bare", "silkport"]
                        for key in order:
                            due = int(rate * args.seconds) + 1
                            work = bodies(f"{key[0].upper()}O{n_rate}{r}-", due, traders[key])
                            run = asyncio.run(
                                drive_open(
                                    servers[key],
                                    work,
                                    rate,
                                    args.seconds,
                                    reconnect_every=args.reconnect_every,
                                    local_postgres=local_db,
                                )
                            )
                            open_runs[rate][key].append(run)
                            console.print(
                                f"open loop {rate:,.1f}/s round {r + 1} {key:8s}: {run.ok:,} ok, {run.failed:,} "
                                f"failed, p99 {percentile([x * 1000 for x in run.latencies], 99):.1f} ms, "
                                f"{run.late} sent late"
                            )
                outcomes = {key: lanes(url, f"{key[0].upper()}") for key in runs}
            finally:
                for server in servers.values():
                    server.stop()
            server_errors = {key: logged_errors(tmp / f"{key}.log") for key in servers}
            breakdown = phases(url, traders["silkport"], args.phases) if args.phases else None

    real, bare = merge(runs["silkport"]), merge(runs["bare"])
    table = Table(
        title=(
            f"POST /api/v1/declarations, 5-item declaration, {backend}, uvicorn 2 workers each, "
            f"{args.concurrency} connections ({args.client} client), {args.rounds} alternating rounds"
        ),
        title_justify="left",
    )
    columns = ["server", "ok", "failed", "lodg/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    columns += ["srv CPU ms", "db CPU ms", "cli CPU ms", "busy", "others", "unattr.", "split"]
    for col in columns:
        table.add_column(col, justify="left" if col == "server" else "right", min_width=8 if col == "server" else None)
    table.add_row(*row("silkport", real))
    table.add_row(*row("bare", bare))
    console.print(table)
    console.print(
        "CPU ms per request: srv = the server's process tree, db = the local postgres processes, cli = this client;\n"
        "busy = the machine's CPUs busy during the runs, of which others = other programs' processes and unattr. = in\n"
        "no process seen at both ends of the run (kernel work, short-lived processes); split = the busier uvicorn\n"
        "worker's share of the two workers' CPU (keep-alive connections stay on the worker that accepted them)."
    )
    for key, run in (("silkport", real), ("bare", bare)):
        for error, n in Counter(e[:160] for e in run.errors).most_common():
            console.print(f"  {key} failure (among the first of each round): {n} x {error}", markup=False)
        for line, n in server_errors[key].most_common(5):
            console.print(f"  {key} server log: {n} x {line}", markup=False, highlight=False)
    console.print(f"what the lodgements became (status/lane: count): silkport {outcomes['silkport']}")
    console.print(f"                                                  bare     {outcomes['bare']}")

    share = (real.ok / real.elapsed) / (bare.ok / bare.elapsed)
    p99 = percentile([x * 1000 for x in real.latencies], 99)
    verdict = Table(title=f"goals ({backend})", title_justify="left")
    for col in ("goal", "measured", "met"):
        verdict.add_column(col)
    verdict.add_row(
        f"silkport >= {GOAL_SHARE:.0%} of bare throughput", f"{share:.0%} ({share:.2f}x)", _yes(share >= GOAL_SHARE)
    )
    verdict.add_row(f"silkport p99 < {GOAL_P99_MS:g} ms", f"{p99:.1f} ms", _yes(p99 < GOAL_P99_MS))
    verdict.add_row("no failed lodgements", f"{real.failed} silkport, {bare.failed} bare", _yes(not real.failed))
    console.print(verdict)
    real_cpu = real.server_cpu / max(sum(real.statuses.values()), 1) * 1000
    bare_cpu = bare.server_cpu / max(sum(bare.statuses.values()), 1) * 1000
    console.print(
        f"server CPU per request: silkport {real_cpu:.2f} ms vs bare {bare_cpu:.2f} ms "
        f"({real_cpu / max(bare_cpu, 1e-9):.1f}x); Python {pyplatform.python_version()}, "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"
    )
    if open_runs:
        console.print(open_table(open_runs, capacity, backend, args))
    if breakdown is not None:
        console.print(breakdown)


def open_table(open_runs: dict[float, dict[str, list[Run]]], capacity: float, backend: str, args: Any) -> Table:
    """Latency at a fixed offered rate (open loop), both servers at each rate."""
    table = Table(
        title=(
            f"open loop, {backend}: the same fixed schedule for both servers; latency from each request's due time "
            f"(silkport's closed-loop capacity in this run: {capacity:,.1f}/s; {args.open_rounds} alternating rounds "
            f"of {args.seconds:g} s per server and rate)"
        ),
        title_justify="left",
    )
    columns = ["offered/s", "share", "server", "ok", "failed", "done/s", "p50 ms", "p90 ms", "p99 ms", "max ms"]
    columns += ["late", "lag p99", "srv CPU ms", "busy", "others", f"p99 < {GOAL_P99_MS:g} ms"]
    for col in columns:
        table.add_column(col, justify="left" if col == "server" else "right")
    for rate, by_server in open_runs.items():
        for key in ("silkport", "bare"):
            r = merge(by_server[key])
            ms = [x * 1000 for x in r.latencies]
            done = max(sum(r.statuses.values()), 1)
            p99 = percentile(ms, 99)
            table.add_row(
                f"{rate:,.1f}",
                f"{rate / capacity:.0%}",
                key,
                f"{r.ok:,}",
                f"{r.failed:,}",
                f"{r.ok / r.elapsed:,.1f}",
                f"{percentile(ms, 50):.1f}",
                f"{percentile(ms, 90):.1f}",
                f"{p99:.1f}",
                f"{max(ms, default=float('nan')):.1f}",
                f"{r.late / done:.0%}",
                f"{percentile([x * 1000 for x in r.lags], 99):.1f}",
                f"{r.server_cpu / done * 1000:.2f}",
                f"{r.busy:.0%}",
                f"{r.others_share:.0%}",
                _yes(p99 < GOAL_P99_MS and not r.failed),
            )
    return table


def _yes(ok: bool) -> str:
    return "[green]yes[/green]" if ok else "[red]no[/red]"


if __name__ == "__main__":
    main()
