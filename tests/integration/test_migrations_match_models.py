"""The migrations build exactly the tables the ORM declares: autogenerate finds nothing left to do."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from silkport.bootstrap import Platform
from silkport.migrations.models import metadata


def test_migrated_schema_matches_the_models(platform: Platform) -> None:
    with platform.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], "\n".join(str(d) for d in diff)
