"""Shared fixtures: a migrated database (SQLite by default, PostgreSQL when SILKPORT_DATABASE_URL says so),
the platform built by the real composition root, an HTTP client, and signed-in users of every role.

Tests that need PostgreSQL or Chromium skip on a laptop without them, but fail under CI (CI=true).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import settings
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from silkport.bootstrap import Platform, bootstrap
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import EnterpriseDetails, Sector
from silkport.enterprises.domain.users import User
from silkport.enterprises.services import auth, handlers
from silkport.entrypoints.cli.setup import demo_uscc, migrate_and_seed
from silkport.entrypoints.web.app import create_app
from silkport.infra.db import Base
from silkport.infra.settings import Settings
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.clock import FixedClock

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

# Property tests judge behaviour, not speed: no per-example deadline (a loaded 2-core CI machine would
# otherwise fail them at random), and CI prints the blob that reproduces any failure.
settings.register_profile("silkport", deadline=None, print_blob=True)
settings.load_profile("silkport")
PASSWORD = "correct-horse-battery"


def require(condition: bool, why: str) -> None:
    """Skip when a real component is missing here; under CI a missing component is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{why} (required under CI)")
    pytest.skip(why)


def _server_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database for this test session: a temp SQLite file, or a new PostgreSQL database."""
    configured = os.environ.get("SILKPORT_DATABASE_URL", "")
    if configured.startswith("postgresql"):
        name = f"silkport_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(_server_url(configured), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = make_url(configured).set(database=name).render_as_string(hide_password=False)
        yield url
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("db") / "silkport-test.db"
        yield f"sqlite:///{path}"


@pytest.fixture(scope="session")
def migrated(database_url: str) -> str:
    platform = bootstrap(Settings(database_url=database_url), fast_hashing=True)
    migrate_and_seed(platform)
    platform.dispose()
    return database_url


def _wipe(platform: Platform) -> None:
    with platform.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in ("zone_areas", "zone_ports"):
                conn.execute(table.delete())


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 9, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def platform(migrated: str, clock: FixedClock) -> Iterator[Platform]:
    p = bootstrap(
        Settings(database_url=migrated, cookie_secure=False, secret_key="test-secret-key-0123456789"),
        clock=clock,
        fast_hashing=True,
    )
    _wipe(p)
    # ports are editable: put them back as the data file has them
    with p.engine.begin() as conn:
        conn.execute(text("DELETE FROM zone_ports"))
    migrate_and_seed(p)
    yield p
    p.dispose()


@pytest.fixture
def app_client(platform: Platform) -> Iterator[TestClient]:
    with TestClient(create_app(platform)) as client:
        yield client


@dataclass
class Zone:
    """A small zone with two enterprises and one signed-in user per role."""

    platform: Platform
    client: TestClient
    enterprise_a: str
    enterprise_b: str
    tokens: dict[str, str]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def add_user(
    platform: Platform,
    username: str,
    role: Role,
    *,
    enterprise_id: str | None = None,
    office_code: str | None = None,
    display_name: str | None = None,
) -> User:
    """A user who signs in with ``PASSWORD``, created through the enterprises service by the system."""
    return auth.create_user(
        platform.enterprises_uow(),
        SYSTEM,
        platform.hasher,
        username=username,
        password=PASSWORD,
        role=role,
        enterprise_id=enterprise_id,
        office_code=office_code,
        display_name=display_name,
    )


def make_details(serial: int, area: str = "HORGOS", **over: object) -> EnterpriseDetails:
    values: dict[str, object] = {
        "name_en": f"Enterprise {serial} Co., Ltd.",
        "name_zh": f"企业{serial}有限公司",
        "country": "CN",
        "area_code": area,
        "sectors": frozenset({Sector.TRADE}),
        "registration_date": date(2024, 1, 1 + serial % 28),
        "uscc": demo_uscc(serial),
    }
    values.update(over)
    return EnterpriseDetails(**values)  # type: ignore[arg-type]


@pytest.fixture
def zone(platform: Platform, app_client: TestClient) -> Zone:
    a = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(101, "HORGOS"))
    )
    b = handlers.register_enterprise(
        platform.enterprises_uow(), SYSTEM, RegisterEnterprise(details=make_details(102, "KASHGAR"))
    )
    people: list[tuple[str, Role, str | None, str | None]] = [
        ("admin", Role.ADMIN, None, None),
        ("trader_a", Role.TRADER, a.id, None),
        ("trader_b", Role.TRADER, b.id, None),
        ("officer", Role.CUSTOMS_OFFICER, None, "HRS-ROAD"),
        ("supervisor", Role.CUSTOMS_SUPERVISOR, None, None),
        ("analyst", Role.ANALYST, None, None),
    ]
    tokens: dict[str, str] = {}
    for username, role, enterprise_id, office in people:
        add_user(platform, username, role, enterprise_id=enterprise_id, office_code=office)
        r = app_client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        tokens[username] = r.json()["access_token"]
    return Zone(platform, app_client, a.id, b.id, tokens)


@pytest.fixture
def postgres_url() -> str:
    """A PostgreSQL server URL for tests that need real concurrent transactions."""
    url = os.environ.get("SILKPORT_TEST_POSTGRES_URL") or ""
    if not url and os.environ.get("SILKPORT_DATABASE_URL", "").startswith("postgresql"):
        url = os.environ["SILKPORT_DATABASE_URL"]
    require(bool(url), "PostgreSQL is not configured (set SILKPORT_TEST_POSTGRES_URL)")
    return url


@pytest.fixture
def chromium_path() -> str:
    path = os.environ.get("SILKPORT_CHROMIUM", "/usr/bin/chromium")
    require(Path(path).exists(), f"Chromium is not installed at {path} (apt-get install chromium)")
    return path


@pytest.fixture
def pg_platform(postgres_url: str, clock: FixedClock) -> Iterator[Platform]:
    """A platform on a brand-new, migrated PostgreSQL database (for tests of real concurrency)."""
    name = f"silkport_pg_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_server_url(postgres_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    p = bootstrap(Settings(database_url=url), clock=clock, fast_hashing=True)
    migrate_and_seed(p)
    yield p
    p.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
