"""Builders of realistic declarations for tests (JSON bodies and domain content)."""

from __future__ import annotations

import copy
from typing import Any


def item(**over: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "hs_code": "847130",
        "description": "Portable computers, 14-inch",
        "quantity": "200",
        "unit": "H87",
        "gross_mass_kg": "520.0",
        "net_mass_kg": "400.0",
        "value": "60000.00",
        "origin_country": "CN",
    }
    data.update(over)
    return data


def declaration(**over: Any) -> dict[str, Any]:
    """An import of laptops by road from Almaty through the Horgos highway port."""
    data: dict[str, Any] = {
        "type": "import",
        "lrn": None,
        "consignor": {"name": "Almaty Electronics LLP", "country": "KZ", "identifier": "KZ-BIN-120340012345"},
        "consignee": {"name": "Horgos Silk Road Trading Co., Ltd.", "country": "CN"},
        "office": "HRS-ROAD",
        "transport_mode": "road",
        "transport_id": "KZ 123 ABC 02",
        "dispatch_country": "KZ",
        "origin_country": "CN",
        "destination_country": "CN",
        "loading_locode": "KZALA",
        "unloading_locode": "CNHRS",
        "incoterm": "CIF",
        "invoice_currency": "USD",
        "invoice_amount": "60000.00",
        "freight": "0",
        "insurance": "0",
        "exchange_rate": "7.1000",
        "exchange_rate_date": "2025-09-01",
        "items": [item()],
        "documents": [{"kind": "invoice", "reference": "INV-2025-0901"}],
        "containers": [],
    }
    for key, value in over.items():
        data[key] = value
    return copy.deepcopy(data)


def vehicles(**over: Any) -> dict[str, Any]:
    """Passenger cars (HS 870323) imported from Kazakhstan: on the valuation watch list."""
    return declaration(
        items=[
            item(
                hs_code="87032340",
                description="Passenger cars, 1.5-2.0 l petrol engine",
                quantity="4",
                gross_mass_kg="6400",
                net_mass_kg="6000",
                value="100000.00",
                origin_country="DE",
            )
        ],
        invoice_amount="100000.00",
        **over,
    )


def sanctioned(**over: Any) -> dict[str, Any]:
    """Goods of DPRK origin: sanctions force the red lane."""
    values: dict[str, Any] = {"origin_country": "KP", "items": [item(origin_country="KP")]}
    values.update(over)
    return declaration(**values)
