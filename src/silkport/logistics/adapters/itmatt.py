"""ITMATT-style electronic advance data (JSON and CSV) in, CUSRSP-style answers out.

The fields follow the UPU ITMATT message (item attributes sent ahead of the mail by the origin post):
item identifier (S10), the receptacle (S9) and so the dispatch it travels in, sender and addressee
country, the customs declaration (CN22/CN23 and the category box), gross weight, currency and the content
lines (description, quantity, net weight, value, HS tariff number, country of origin). CUSRSP is the
customs response: per item, the outcome and its reasons.

JSON::

    {"message": "ITMATT", "items": [{"item_id": "RA473124829CN", "receptacle_id": "...", ...,
      "contents": [{"description": "...", "quantity": 1, ...}]}]}

CSV: one row per content line, the item's fields repeated on each of its rows (an item with no content
lines is one row with empty line fields); the columns are :data:`CSV_COLUMNS`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from silkport.logistics.domain.mail import Answer, PostalItem
from silkport.shared.errors import FieldError, ValidationFailed

ITEM_COLUMNS = (
    "item_id",
    "receptacle_id",
    "sender_country",
    "addressee_country",
    "category",
    "form",
    "gross_weight_kg",
    "currency",
)
LINE_COLUMNS = ("description", "quantity", "net_weight_kg", "value", "hs_code", "origin_country")
CSV_COLUMNS = ITEM_COLUMNS + tuple(f"line_{c}" for c in LINE_COLUMNS)
MAX_ITEMS = 10_000


def parse_json(body: bytes | str) -> list[dict[str, Any]]:
    """The raw items of an ITMATT JSON message (validated later, field by field, by the domain)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationFailed(FieldError("body", f"is not JSON: {exc}")) from exc
    if not isinstance(data, Mapping):
        raise ValidationFailed(FieldError("body", 'an object {"message": "ITMATT", "items": [...]}'))
    if data.get("message", "ITMATT") != "ITMATT":
        raise ValidationFailed(FieldError("message", "must be ITMATT"))
    unknown = sorted(set(data) - {"message", "items"})
    if unknown:
        raise ValidationFailed([FieldError(k, "is not an ITMATT field") for k in unknown])
    items = data.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationFailed(FieldError("items", "a non-empty list of items"))
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(FieldError("items", f"at most {MAX_ITEMS} items per message"))
    errors = [
        FieldError(f"items[{i}]", "an item is an object") for i, it in enumerate(items) if not isinstance(it, dict)
    ]
    for i, it in enumerate(items):
        if isinstance(it, dict):
            extra = sorted(set(it) - set(ITEM_COLUMNS) - {"contents"})
            errors.extend(FieldError(f"items[{i}].{k}", "is not an ITMATT item field") for k in extra)
    if errors:
        raise ValidationFailed(errors)
    return [dict(it) for it in items]


def parse_csv(body: bytes | str) -> list[dict[str, Any]]:
    """The raw items of an ITMATT CSV file: rows of one item (same item_id, consecutive or not) are joined."""
    text = body.decode("utf-8-sig") if isinstance(body, bytes) else body
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise ValidationFailed(FieldError("header", f"missing column(s): {', '.join(missing)}"))
    unknown = [c for c in header if c not in CSV_COLUMNS]
    if unknown:
        raise ValidationFailed(FieldError("header", f"unknown column(s): {', '.join(unknown)}"))
    items: dict[str, dict[str, Any]] = {}
    errors: list[FieldError] = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            errors.append(FieldError(f"row {n}", "has more fields than the header"))
            continue
        item_id = (row["item_id"] or "").strip().upper()
        fields = {c: (row[c] or "").strip() for c in ITEM_COLUMNS}
        item = items.get(item_id)
        if item is None:
            item = items[item_id] = {**fields, "contents": []}
        elif any(item[c] != fields[c] for c in ITEM_COLUMNS if c != "item_id"):
            errors.append(FieldError(f"row {n}", f"item {item_id} is stated differently on an earlier row"))
            continue
        line = {c: (row[f"line_{c}"] or "").strip() for c in LINE_COLUMNS}
        if any(line.values()):
            item["contents"].append({k: (v if v != "" else None) for k, v in line.items()})
    if errors:
        raise ValidationFailed(errors)
    if not items:
        raise ValidationFailed(FieldError("body", "no item rows"))
    if len(items) > MAX_ITEMS:
        raise ValidationFailed(FieldError("body", f"at most {MAX_ITEMS} items per file"))
    return list(items.values())


def to_json(items: Iterable[PostalItem]) -> str:
    return json.dumps({"message": "ITMATT", "items": [i.as_dict() for i in items]}, ensure_ascii=False)


def to_csv(items: Iterable[PostalItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for item in items:
        d = item.as_dict()
        head = [d[c] for c in ITEM_COLUMNS]
        lines: Sequence[Mapping[str, Any]] = d["contents"] or [{}]
        for line in lines:
            writer.writerow(head + ["" if line.get(c) is None else line.get(c) for c in LINE_COLUMNS])
    return out.getvalue()


def cusrsp(answer: Answer, item: PostalItem | None = None) -> dict[str, Any]:
    """The CUSRSP-style answer for one item."""
    body: dict[str, Any] = {
        "message": "CUSRSP",
        "item_id": answer.item_id,
        "outcome": answer.outcome.value,
        "reasons": [{"code": r.code, "text": r.text} for r in answer.reasons],
        "decided_at": answer.decided_at.isoformat(),
        "officer": answer.officer,
        "rules_version": answer.rules_version,
    }
    if item is not None:
        body["receptacle_id"] = item.receptacle_id
        body["declared_value"] = str(item.declared_value)
        body["currency"] = item.currency
    return body
