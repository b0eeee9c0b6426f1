"""Composition root: builds the platform with real adapters (or test doubles) for every entrypoint."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from silkport.bonded.adapters.repository import SqlBondedRepository
from silkport.bonded.adapters.uow import SqlBondedUnitOfWork
from silkport.bonded.adapters.uow import load_units as load_bonded_units
from silkport.bonded.domain.model import DeclarationFacts, DutyQuote
from silkport.bonded.services.handlers import BondedConfig
from silkport.clearance.adapters.reference import load_recognition_policy, load_units, load_value_ranges
from silkport.clearance.adapters.repository import SqlClearanceUnitOfWork, SqlDeclarationRepository
from silkport.clearance.adapters.rulebook_file import default_rulebook
from silkport.clearance.adapters.tariff_csv import sample_exchange_rates, sample_tariff
from silkport.clearance.domain.duties import assess_duties
from silkport.clearance.domain.model import (
    BondedExitKind,
    DeclarationContent,
    DeclarationType,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)
from silkport.clearance.domain.rules import Rulebook
from silkport.clearance.domain.validation import ClearanceReference
from silkport.clearance.services.handlers import ClearanceConfig
from silkport.disputes.adapters.repository import SqlDisputesUnitOfWork
from silkport.enterprises.adapters.repository import SqlEnterpriseRepository
from silkport.enterprises.adapters.uow import SqlEnterpriseUnitOfWork
from silkport.infra.db import make_engine, make_session_factory
from silkport.infra.idempotency import IdempotencyStore
from silkport.infra.outbox import Dispatcher, WebhookRegistry
from silkport.infra.partners import (
    InboundHandler,
    InboundProcessor,
    InboundReceiver,
    PartnerDispatcher,
    PartnerRegistry,
    RetryPolicy,
    ping_handler,
)
from silkport.infra.security import Argon2Hasher
from silkport.infra.settings import Settings, get_settings
from silkport.logistics.adapters.modes_uow import SqlFreightUnitOfWork
from silkport.logistics.adapters.repository import SqlConsignmentRepository
from silkport.logistics.adapters.uow import SqlLogisticsUnitOfWork
from silkport.shared.clock import Clock, SystemClock
from silkport.transit.adapters.repository import partner_handlers as transit_partner_handlers
from silkport.transit.adapters.uow import SqlTransitUnitOfWork
from silkport.zone.adapters.refdata import reference_data
from silkport.zone.adapters.repository import SqlZoneRepository
from silkport.zone.adapters.uow import SqlZoneUnitOfWork


class RegistryLookup:
    """Clearance asks the enterprise registry about a declarant through this (the registry's own adapter)."""

    def __init__(self, session: Session) -> None:
        self._repo = SqlEnterpriseRepository(session)
        self._known: dict[str, tuple[str, str] | None] = {}

    def status_and_grade(self, enterprise_id: str) -> tuple[str, str] | None:
        if enterprise_id not in self._known:  # asked several times per lodgement: once per unit of work
            self._known[enterprise_id] = self._repo.status_and_grade(enterprise_id)
        return self._known[enterprise_id]

    def id_by_identifier(self, stated: str) -> str | None:
        if self._repo.get(stated) is not None:
            return stated
        if ":" in stated:
            country, national = stated.split(":", 1)
            found = self._repo.find_by_identifier(None, country.upper(), national)
        else:
            found = self._repo.find_by_identifier(stated.replace(" ", "").upper(), "CN", None)
        return found.id if found else None


class ClearanceDutyCalculator:
    """Bonded asks the clearance tax engine for the duty and taxes of goods released from bond."""

    def __init__(self, config: ClearanceConfig) -> None:
        self._config = config

    def quote(
        self, *, hs_code: str, origin: str, quantity: Decimal, unit: str, value: Decimal, currency: str, on: date
    ) -> DutyQuote:
        rates = self._config.exchange_rates
        rate = Decimal(1) if currency == "CNY" or rates is None else rates.rate(currency, on)
        mass = {"KGM": quantity, "TNE": quantity * 1000}.get(unit, Decimal(0))
        item = GoodsItem(hs_code, "goods released from bond", quantity, unit, mass, mass, value, origin)
        party = Party("bonded warehouse", "CN")
        content = DeclarationContent(
            DeclarationType.BONDED_EXIT, "bonded", party, party, "", TransportMode.ROAD, "-", "CN", origin, "CN",
            "CNURC", "CNURC", Incoterm.DDP, currency, value, Decimal(0), Decimal(0), rate, on, (item,),
            bonded_exit_kind=BondedExitKind.RELEASE_FOR_CONSUMPTION,
        )  # fmt: skip
        taxes = assess_duties(content, self._config.tariff, threshold=Decimal(0)).items[0]
        rates_text = f"duty {taxes.duty_rate}% ({taxes.basis.value})" + (
            f" + {taxes.duty_specific} CNY/{taxes.duty_unit}" if taxes.duty_specific else ""
        )
        if taxes.excise_rate is not None:
            rates_text += f", excise {taxes.excise_rate}%"
        rates_text += f", VAT {taxes.vat_rate}%"
        return DutyQuote(
            hs_code, on, taxes.customs_value, taxes.duty, taxes.excise, taxes.vat,
            taxes.duty + taxes.excise + taxes.vat, rates_text, self._config.tariff.version,
        )  # fmt: skip


class ClearanceDeclarations:
    """Bonded reads the declarations goods enter and leave bond under (a read-only session of its own)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def facts(self, declaration_id: str) -> DeclarationFacts | None:
        with self._sessions() as session:
            d = SqlDeclarationRepository(session).get(declaration_id)
        if d is None:
            return None
        c = d.content
        kind = c.bonded_exit_kind.value if c.bonded_exit_kind else None
        quantities: dict[str, dict[str, Decimal]] = {}
        for i in c.items:
            per_unit = quantities.setdefault(i.hs6, {})
            per_unit[i.unit] = per_unit.get(i.unit, Decimal(0)) + i.quantity
            if i.unit != "KGM":  # the net mass is declared too: goods may be kept by the kilogram
                per_unit["KGM"] = per_unit.get("KGM", Decimal(0)) + i.net_mass_kg
        return DeclarationFacts(
            d.id, c.type.value, c.declarant_id, d.status.value, kind, frozenset(quantities), quantities
        )


class ZoneRecordLookup:
    """The legal desk asks whether the records a case is about exist and whose they are (each context's own
    repository; the owner is the enterprise that context shows the record to)."""

    KINDS = frozenset({"declaration", "consignment", "bonded_movement"})  # a contract is a document of the case

    def __init__(self, session: Session) -> None:
        self._session = session

    def checks(self, kind: str) -> bool:
        return kind in self.KINDS

    def owner(self, kind: str, ref: str) -> str | None:
        if kind == "declaration":
            declaration = SqlDeclarationRepository(self._session).get(ref)
            return None if declaration is None else declaration.content.declarant_id
        if kind == "consignment":
            booked = SqlConsignmentRepository(self._session).get(ref)
            return None if booked is None else booked.enterprise_id
        if kind == "bonded_movement":
            movement = SqlBondedRepository(self._session).movement(ref)
            return None if movement is None else movement.owner_id
        return None

    def enterprise_exists(self, enterprise_id: str) -> bool:
        return SqlEnterpriseRepository(self._session).get(enterprise_id) is not None


@lru_cache(maxsize=16_384)  # the process-wide HS table never changes; validation asks per goods item
def _hs_subheading_exists(code: str) -> bool:
    entry = reference_data().hs(code)
    return entry is not None and entry.level == 6 and entry.in_nomenclature


@dataclass
class Platform:
    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    clock: Clock
    hasher: Argon2Hasher
    extras: dict[str, object] = field(default_factory=dict)
    #: inbound partner-customs message type -> handler (the composition root and contexts register theirs)
    partner_handlers: dict[str, InboundHandler] = field(default_factory=lambda: {"PING": ping_handler})
    partner_retry: RetryPolicy = field(default_factory=RetryPolicy)

    def enterprises_uow(self) -> SqlEnterpriseUnitOfWork:
        return SqlEnterpriseUnitOfWork(self.session_factory, self.clock, SqlZoneRepository)

    def read_sessions(self) -> sessionmaker[Session]:
        """Sessions for work that only reads (on SQLite a deferred BEGIN: it never queues behind writers)."""
        factory = self.extras.get("read_sessions")
        if not isinstance(factory, sessionmaker):
            factory = self.extras["read_sessions"] = make_session_factory(self.engine, read_only=True)
        return factory

    def enterprises_reader(self) -> SqlEnterpriseUnitOfWork:
        """The registry for read-only calls on every request's path (resolving its token)."""
        return SqlEnterpriseUnitOfWork(self.read_sessions(), self.clock, SqlZoneRepository)

    def zone_uow(self) -> SqlZoneUnitOfWork:
        return SqlZoneUnitOfWork(self.session_factory, self.clock)

    def logistics_uow(self) -> SqlLogisticsUnitOfWork:
        return SqlLogisticsUnitOfWork(self.session_factory, self.clock, RegistryLookup)

    def transit_uow(self) -> SqlTransitUnitOfWork:
        return SqlTransitUnitOfWork(self.session_factory, self.clock, RegistryLookup)

    def freight_uow(self) -> SqlFreightUnitOfWork:
        return SqlFreightUnitOfWork(self.session_factory, self.clock, RegistryLookup)

    def clearance_uow(self) -> SqlClearanceUnitOfWork:
        return SqlClearanceUnitOfWork(
            self.session_factory, self.clock, RegistryLookup, Rulebook.from_mapping, default_rulebook
        )

    def bonded_uow(self) -> SqlBondedUnitOfWork:
        return SqlBondedUnitOfWork(self.session_factory, self.clock)

    def disputes_uow(self) -> SqlDisputesUnitOfWork:
        return SqlDisputesUnitOfWork(self.session_factory, self.clock, ZoneRecordLookup)

    def bonded_config(self) -> BondedConfig:
        config = self.extras.get("bonded_config")
        if not isinstance(config, BondedConfig):
            with self.zone_uow() as uow:
                sites = uow.zone.office_codes()
            config = BondedConfig(
                ClearanceDutyCalculator(self.clearance_config()),
                sites,
                load_bonded_units(),
                declarations=ClearanceDeclarations(self.read_sessions()),
            )
            self.extras["bonded_config"] = config
        return config

    def clearance_config(self) -> ClearanceConfig:
        config = self.extras.get("clearance_config")
        if not isinstance(config, ClearanceConfig):
            with self.zone_uow() as uow:
                offices = uow.zone.office_codes()
            from silkport.riskmodel.service import ZoneRiskModel

            tariff = sample_tariff()
            model = ZoneRiskModel.load(self.settings.model_dir, self.settings.inspection_budget, tariff)
            config = ClearanceConfig(
                reference=ClearanceReference(
                    hs_exists=_hs_subheading_exists,
                    office_codes=offices,
                    units=load_units(),
                    controlled_hs=default_rulebook().controlled_hs,
                ),
                tariff=tariff,
                value_ranges=load_value_ranges(),
                exchange_rates=sample_exchange_rates(),
                model=model,
                recognition=load_recognition_policy(),
            )
            self.extras["clearance_config"] = config
        return config

    def webhooks(self) -> WebhookRegistry:
        return WebhookRegistry(self.session_factory, self.clock)

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.session_factory, self.clock)

    def partners(self) -> PartnerRegistry:
        return PartnerRegistry(self.session_factory, self.clock)

    def partner_dispatcher(self) -> PartnerDispatcher:
        return PartnerDispatcher(self.session_factory, self.clock, self.partner_retry)

    def partner_receiver(self) -> InboundReceiver:
        return InboundReceiver(self.session_factory, self.clock, lambda: self.partner_handlers.keys())

    def partner_processor(self) -> InboundProcessor:
        return InboundProcessor(self.session_factory, self.clock, self.partner_handlers, self.partner_retry)

    def idempotency_store(self) -> IdempotencyStore:
        return IdempotencyStore(self.session_factory, self.clock)

    def dispose(self) -> None:
        self.engine.dispose()


def bootstrap(settings: Settings | None = None, clock: Clock | None = None, fast_hashing: bool = False) -> Platform:
    settings = settings or get_settings()
    engine = make_engine(settings)
    platform = Platform(
        settings=settings,
        engine=engine,
        session_factory=make_session_factory(engine),
        clock=clock or SystemClock(),
        hasher=Argon2Hasher(fast=fast_hashing),
    )
    # partner customs' answers to our TIR operations (I8/I10/I12/I14/I18) are applied by the transit context
    platform.partner_handlers.update(transit_partner_handlers(platform.transit_uow))
    return platform
