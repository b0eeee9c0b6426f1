"""The user's language in storage: stored and read back through the repository, audited, and migration 0012."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, select

from silkport.bootstrap import Platform
from silkport.enterprises.services import auth
from silkport.infra.audit import AuditEntryRow
from silkport.infra.migrate import alembic_config, upgrade
from silkport.shared.actor import SYSTEM, Role
from silkport.shared.errors import ValidationFailed
from tests.conftest import PASSWORD


def test_the_locale_is_stored_on_the_user_and_each_change_audited(platform: Platform) -> None:
    user = auth.create_user(
        platform.enterprises_uow(), SYSTEM, platform.hasher, username="gulnara", password=PASSWORD, role=Role.ANALYST
    )
    uow = platform.enterprises_uow()
    with uow:
        stored = uow.users.get(user.id)
        assert stored is not None and stored.locale is None
    actor = user.as_actor()
    auth.set_locale(platform.enterprises_uow(), actor, "ru")
    auth.set_locale(platform.enterprises_uow(), actor, "ru")  # the same again: nothing to record
    auth.set_locale(platform.enterprises_uow(), actor, "zh_Hans")
    with pytest.raises(ValidationFailed):
        auth.set_locale(platform.enterprises_uow(), actor, "de")
    uow = platform.enterprises_uow()
    with uow:
        again = uow.users.by_username("gulnara")
        assert again is not None and again.locale == "zh_Hans"
        assert [u.locale for u in uow.users.all() if u.username == "gulnara"] == ["zh_Hans"]
    with platform.session_factory() as s:
        entries = s.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "user.locale_changed").order_by(AuditEntryRow.seq)
        ).all()
    assert [e.object_id for e in entries] == [user.id, user.id]
    # saving the user for another reason keeps the language
    uow = platform.enterprises_uow()
    with uow:
        u = uow.users.get(user.id)
        assert u is not None
        u.display_name = "Gulnara Abdulla"
        uow.users.save(u)
        uow.commit()
    uow = platform.enterprises_uow()
    with uow:
        u = uow.users.get(user.id)
        assert u is not None and u.locale == "zh_Hans" and u.display_name == "Gulnara Abdulla"


def test_migration_0012_adds_and_removes_the_column(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    try:
        upgrade(engine, "0012")
        assert "locale" in {c["name"] for c in inspect(engine).get_columns("users")}
        cfg = alembic_config(engine)
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0011")
        assert "locale" not in {c["name"] for c in inspect(engine).get_columns("users")}
        upgrade(engine, "0012")
        column = next(c for c in inspect(engine).get_columns("users") if c["name"] == "locale")
        assert column["nullable"]
    finally:
        engine.dispose()
