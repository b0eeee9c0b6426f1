"""Declaration templates the twin draws from: real ``DeclarationContent`` objects that the real risk engine judges.

Each template is a typical Horgos consignment (HS 2022 codes; the watch lists and controlled headings of the
shipped rulebooks decide which of them score). The transport mode, transport id and declarant are set per
arrival; everything else is the template's.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from silkport.clearance.domain.model import (
    DeclarationContent,
    DeclarationType,
    Document,
    DocumentKind,
    GoodsItem,
    Incoterm,
    Party,
    TransportMode,
)

_KZ = Party("Almaty Trade LLP", "KZ", "KZ-BIN-120340012345")
_CN = Party("Horgos Silk Road Trading Co., Ltd.", "CN")
_D = Decimal


def _item(hs: str, desc: str, qty: str, unit: str, gross: str, net: str, value: str, origin: str,
          licences: tuple[str, ...] = ()) -> GoodsItem:  # fmt: skip
    return GoodsItem(hs, desc, _D(qty), unit, _D(gross), _D(net), _D(value), origin, licences=licences)


def _content(kind: DeclarationType, items: tuple[GoodsItem, ...], export: bool) -> DeclarationContent:
    consignor, consignee = (_CN, _KZ) if export else (_KZ, _CN)
    return DeclarationContent(
        type=kind,
        declarant_id="twin",
        consignor=consignor,
        consignee=consignee,
        office_code="HRS-ROAD",
        transport_mode=TransportMode.ROAD,
        transport_id="TWIN",
        dispatch_country=consignor.country,
        origin_country=items[0].origin_country,
        destination_country=consignee.country,
        loading_locode="CNHRS" if export else "KZALA",
        unloading_locode="KZALA" if export else "CNHRS",
        incoterm=Incoterm.CIF,
        invoice_currency="USD",
        invoice_amount=sum((i.value for i in items), _D(0)),
        freight=_D(0),
        insurance=_D(0),
        exchange_rate=_D("7.1789"),
        exchange_rate_date=date(2025, 9, 1),
        items=items,
        documents=(Document(DocumentKind.INVOICE, "INV-TWIN"),),
    )


_EXP, _IMP = DeclarationType.EXPORT, DeclarationType.IMPORT

TEMPLATES: dict[str, DeclarationContent] = {
    # exports to Central Asia: vehicles (HS 8703, on the valuation watch list), electronics, tyres, textiles
    "vehicles-export": _content(
        _EXP, (_item("870323", "Passenger cars, 1.5-2.0 l", "4", "H87", "6400", "6000", "60000", "CN"),), True
    ),
    "electronics-export": _content(
        _EXP, (_item("847130", "Portable computers", "200", "H87", "520", "400", "60000", "CN"),), True
    ),
    "tyres-export": _content(
        _EXP, (_item("401110", "Tyres for passenger cars", "400", "H87", "4200", "4000", "24000", "CN"),), True
    ),
    "textiles-export": _content(
        _EXP, (_item("610910", "T-shirts of cotton", "3000", "H87", "640", "600", "9000", "CN"),), True
    ),
    # imports from Central Asia: grain, metals, and excise goods (HS 2208 spirits: excise watch list)
    "grain-import": _content(_IMP, (_item("100199", "Wheat", "20000", "KGM", "20100", "20000", "5600", "KZ"),), False),
    "copper-import": _content(
        _IMP, (_item("740311", "Refined copper cathodes", "20000", "KGM", "20050", "20000", "180000", "KZ"),), False
    ),
    "spirits-import": _content(
        _IMP, (_item("220860", "Vodka in 0.5 l bottles", "6000", "LTR", "7000", "6000", "18000", "KZ"),), False
    ),
    # medicaments (HS 3004, controlled): with the licence at least yellow, without it red
    "medicaments-licensed": _content(
        _IMP,
        (_item("300490", "Medicaments, packaged", "1000", "H87", "800", "700", "40000", "KZ", ("DRUG-2025-1",)),),
        False,
    ),
    "medicaments-unlicensed": _content(
        _IMP, (_item("300490", "Medicaments, packaged", "1000", "H87", "800", "700", "40000", "KZ"),), False
    ),
}

_MODES = {"road": TransportMode.ROAD, "rail": TransportMode.RAIL, "air": TransportMode.AIR, "mail": TransportMode.MAIL}


def for_arrival(template: str, mode: str, declarant: str) -> DeclarationContent:
    """The template as lodged for one arrival of the given mode by the given declarant."""
    return replace(TEMPLATES[template], transport_mode=_MODES[mode], declarant_id=declarant)
