"""Set-up steps shared by the CLI commands: migrate, seed the zone, create the demo users."""

from __future__ import annotations

from datetime import date

from stdnum.cn import uscc as stdnum_uscc

from silkport.bootstrap import Platform
from silkport.enterprises.domain.commands import RegisterEnterprise
from silkport.enterprises.domain.model import CreditGrade, EnterpriseDetails, Sector
from silkport.enterprises.services import auth, handlers
from silkport.infra.migrate import upgrade
from silkport.shared.actor import SYSTEM, Role
from silkport.zone.adapters.uow import load_zone_data
from silkport.zone.services.handlers import seed_zone


def migrate_and_seed(platform: Platform) -> tuple[int, int]:
    """Apply migrations, then add the zone's areas and ports that are missing."""
    upgrade(platform.engine)
    return seed_zone(platform.zone_uow(), SYSTEM, load_zone_data())


def demo_uscc(serial: int) -> str:
    """A well-formed USCC for demo data (registration authority 9 = industry & commerce, Xinjiang 65xxxx)."""
    body = f"916500{serial:04d}{serial:07d}"
    return body + stdnum_uscc.calc_check_digit(body)


DEMO_ENTERPRISES: list[tuple[str, str, str, list[Sector], str]] = [
    (
        "Horgos Silk Road Trading Co., Ltd.",
        "霍尔果斯丝路贸易有限公司",
        "HORGOS",
        [Sector.TRADE, Sector.VEHICLES],
        "trader",
    ),
    ("Kashgar Pamir Logistics Co., Ltd.", "喀什帕米尔物流有限公司", "KASHGAR", [Sector.LOGISTICS], "logistics"),
    (
        "Urumqi Tianshan Bonded Warehouse Co., Ltd.",
        "乌鲁木齐天山保税仓储有限公司",
        "URUMQI",
        [Sector.LOGISTICS],
        "warehouse",
    ),
    ("Tianshan Aviation Services Co., Ltd.", "天山航空服务有限公司", "URUMQI", [Sector.AVIATION], "airline"),
]

DEMO_ROLES: list[tuple[str, Role, str | None, str | None]] = [
    ("admin", Role.ADMIN, None, None),
    ("trader", Role.TRADER, "trader", None),
    ("officer", Role.CUSTOMS_OFFICER, None, "HRS-ROAD"),
    ("supervisor", Role.CUSTOMS_SUPERVISOR, None, None),
    ("logistics", Role.LOGISTICS_OPERATOR, "logistics", None),
    ("warehouse", Role.WAREHOUSE_KEEPER, "warehouse", None),
    ("airline", Role.AIRLINE, "airline", None),
    ("legal", Role.LEGAL_OFFICER, None, None),
    ("analyst", Role.ANALYST, None, None),
]


def ensure_demo_users(platform: Platform, password: str) -> list[tuple[str, Role]]:
    """One demo user per role (and the enterprises the enterprise-bound ones belong to); idempotent."""
    uow = platform.enterprises_uow()
    with uow:
        existing = {u.username for u in uow.users.all()}
    enterprise_ids: dict[str, str] = {}
    for serial, (name_en, name_zh, area, sectors, tag) in enumerate(DEMO_ENTERPRISES, start=1):
        uscc = demo_uscc(serial)
        with uow:
            found = uow.enterprises.find_by_identifier(uscc, "CN", None)
        if found is None:
            details = EnterpriseDetails(
                name_en=name_en,
                name_zh=name_zh,
                country="CN",
                area_code=area,
                sectors=frozenset(sectors),
                registration_date=date(2023, 11, 1),
                uscc=uscc,
                credit_grade=CreditGrade.ADVANCED_CERTIFIED,
            )
            found = handlers.register_enterprise(uow, SYSTEM, RegisterEnterprise(details=details))
        enterprise_ids[tag] = found.id
    created: list[tuple[str, Role]] = []
    for username, role, bound_to, office in DEMO_ROLES:
        if username not in existing:
            auth.create_user(
                uow,
                SYSTEM,
                platform.hasher,
                username=username,
                password=password,
                role=role,
                display_name=f"Demo {role.label.lower()}",
                enterprise_id=enterprise_ids[bound_to] if bound_to else None,
                office_code=office,
            )
        created.append((username, role))
    return created
