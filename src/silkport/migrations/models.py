"""Every context's tables on the one metadata that Alembic compares against."""

from __future__ import annotations

from sqlalchemy import MetaData

import silkport.analytics.indexes
import silkport.bonded.adapters.orm
import silkport.clearance.adapters.orm
import silkport.disputes.adapters.orm
import silkport.enterprises.adapters.orm
import silkport.infra.audit
import silkport.infra.idempotency
import silkport.infra.journal
import silkport.infra.outbox
import silkport.infra.partners
import silkport.logistics.adapters.modes_orm
import silkport.logistics.adapters.orm
import silkport.transit.adapters.orm
import silkport.zone.adapters.orm  # noqa: F401
from silkport.infra.db import Base

metadata: MetaData = Base.metadata
