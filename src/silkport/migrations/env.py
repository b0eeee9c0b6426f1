"""Alembic environment: the same migrations on SQLite (batch mode) and PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from silkport.migrations.models import metadata

config = context.config


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is None:
    from silkport.infra.db import make_engine
    from silkport.infra.settings import get_settings

    engine = make_engine(get_settings())
    with engine.connect() as conn:
        run(conn)
    engine.dispose()
else:
    run(connection)
