"""Every context's tables on the one metadata that Alembic compares against."""

from __future__ import annotations

from sqlalchemy import MetaData

import silkport.enterprises.adapters.orm
import silkport.infra.audit
import silkport.infra.idempotency
import silkport.zone.adapters.orm  # noqa: F401
from silkport.infra.db import Base

metadata: MetaData = Base.metadata
