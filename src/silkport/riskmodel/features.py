"""Time-aware features: what the declaration history knew the day before a declaration was filed.

One code path for training, batch scoring and scoring one declaration at a time: a :class:`HistoryState`
is fed the declarations in date order (:meth:`HistoryState.update`) and asked for a declaration's feature
vector (:meth:`HistoryState.features`). The state only ever answers from events dated strictly before the
declaration's day: events of the current day wait in a pending buffer and are committed when the first
event of a later day arrives, so declarations of the same day never see each other (neither their
existence nor their outcomes), and nothing dated on or after a declaration's day can change its features.

The features of a declaration (see :data:`FEATURES` for the exact list and order)
    Its own attributes
        categorical codes (office, process/import/payment types, import use, transport mode, tax type,
        origin indicator, departure and origin countries: codes learnt from the training data, -1 when
        unseen); the tax rate; log net mass, log item price, log value per kg, log duty at stake; the HS
        chapter, heading and subheading as numbers; whether departure and origin differ; whether a courier
        and a seller are named.
    Value per kg against the past
        log value per kg minus the median log value per kg of earlier declarations of the same HS6 and of
        the same HS4 heading (NaN without history).
    Histories (one block of three per :data:`GROUP_NAMES` entry)
        for the declaration's importer, declarant, seller, courier, office, HS6, HS4, route (HS6 x origin),
        HS6 x departure, and the declared value patterns (HS6 x item price, HS6 x net mass, item price, net
        mass: the same goods declared at the same value or mass before, and how that ended): how many earlier
        declarations it has, their fraud rate with Bayesian smoothing towards the overall past fraud rate
        (``(frauds + m p) / (outcomes + m)``), and the days since it was last seen (-1: never).

Outcomes arrive with the record (KCS: every row was inspected) or later (:meth:`HistoryState.record_outcome`,
the zone's own inspections); either way an outcome is visible from the day after it is recorded.
"""

from __future__ import annotations

import bisect
import gzip
import json
import math
import operator
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from silkport.riskmodel.kcs import Goods, KcsRecord, chronological

#: bump when the feature list or its meaning changes: a model is only served with the features it learnt
FEATURE_SET_VERSION = "kcs-features-3"

#: categorical attributes of the record, encoded with a vocabulary learnt from the training data
CATEGORICAL_ATTRIBUTES: tuple[str, ...] = (
    "office",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
    "departure_country",
    "origin_country",
)

NUMERIC_OWN: tuple[str, ...] = (
    "tax_rate",
    "log_net_mass",
    "log_item_price",
    "log_value_per_kg",
    "log_duty",
    "hs2",
    "hs4",
    "hs6",
    "departure_is_not_origin",
    "has_courier",
    "has_seller",
    "value_per_kg_vs_hs6",
    "value_per_kg_vs_hs4",
)

#: the histories kept, in feature order; :func:`history_keys` gives a record's key in each
GROUP_NAMES: tuple[str, ...] = (
    "importer",
    "declarant",
    "seller",
    "courier",
    "office",
    "hs6",
    "hs4",
    "route",  # HS6 x country of origin
    "hs6_departure",  # HS6 x country of departure
    "hs6_price",  # the same goods declared at the same item price
    "hs6_mass",  # ... with the same net mass
    "price",
    "mass",
)


def history_keys(r: KcsRecord) -> tuple[Hashable, ...]:
    """The record's key in each history of :data:`GROUP_NAMES` (one call: this is on the scoring hot path)."""
    hs6 = r.hs6
    price = r.item_price
    mass = r.net_mass
    return (
        r.importer,
        r.declarant,
        r.seller,
        r.courier,
        r.office,
        hs6,
        hs6[:4],
        (hs6, r.origin_country),
        (hs6, r.departure_country),
        (hs6, price),
        (hs6, mass),
        price,
        mass,
    )


HISTORY_STATS: tuple[str, ...] = ("count", "fraud_rate", "days_since")

#: how :meth:`HistoryState.features_of_declaration` reads :data:`GROUP_NAMES` (it is unrolled in this order):
#: the declaration's parties and office (the same for all its goods items), the histories of the HS6 code alone
#: (``HistoryState.derived``), then those looked up per goods item
SHARED_GROUPS: tuple[str, ...] = ("importer", "declarant", "seller", "courier", "office")
HS_GROUPS: tuple[str, ...] = ("hs6", "hs4")
ITEM_GROUPS: tuple[str, ...] = ("route", "hs6_departure", "hs6_price", "hs6_mass", "price", "mass")
if SHARED_GROUPS + HS_GROUPS + ITEM_GROUPS != GROUP_NAMES:  # pragma: no cover - a guard for whoever edits them
    raise AssertionError("features_of_declaration reads the histories in another order than GROUP_NAMES")


#: the record fields every goods item of a declaration shares (``kcs.Header``), in the order
#: :meth:`HistoryState.features_of_goods` reads them
HEADER_FIELDS: tuple[str, ...] = (
    "office",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "origin_indicator",
    "departure_country",
    "importer",
    "declarant",
    "seller",
    "courier",
)
_header = operator.attrgetter(*HEADER_FIELDS)

FEATURES: tuple[str, ...] = (
    *CATEGORICAL_ATTRIBUTES,
    *NUMERIC_OWN,
    *(f"{g}_{s}" for g in GROUP_NAMES for s in HISTORY_STATS),
)
#: indices in FEATURES of the categorical features (LightGBM's ``categorical_feature``)
CATEGORICAL_INDICES: tuple[int, ...] = tuple(range(len(CATEGORICAL_ATTRIBUTES)))
_TAX_TYPE = CATEGORICAL_ATTRIBUTES.index("tax_type")
_ORIGIN = CATEGORICAL_ATTRIBUTES.index("origin_country")
# features_of_goods codes the header's categorical attributes by position: guard the layout it assumes
if (_TAX_TYPE, _ORIGIN) != (6, 9) or CATEGORICAL_ATTRIBUTES[:6] + CATEGORICAL_ATTRIBUTES[7:9] != HEADER_FIELDS[:8]:
    raise AssertionError("features_of_goods reads the categorical attributes in another order")  # pragma: no cover

NAN = float("nan")
#: HistoryState.derived: (hs2, hs4, hs6 as numbers, median log value per kg of the HS6 and of the HS4 or None,
#: the HS6 and HS4 histories' (count, fraud rate, days since) as one 6-tuple)
_Derived = tuple[float, float, float, float | None, float | None, tuple[float, ...]]
_categorical_values = operator.attrgetter(*CATEGORICAL_ATTRIBUTES)
_N, _L, _F, _LAST = 0, 1, 2, 3  # a history entry: [declarations, outcomes, frauds, last day seen (ordinal)]


class LookAheadError(ValueError):
    """A declaration dated before the history's current day: scoring it would use later events."""


def log_value_per_kg(r: KcsRecord) -> float:
    return math.log((r.item_price + 1.0) / (r.net_mass + 0.01))


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """What is fixed when a model is trained: the categorical vocabularies and the smoothing strength."""

    vocab: Mapping[str, Mapping[str, int]]
    smoothing: float = 5.0  # m: pseudo-outcomes at the overall past fraud rate
    version: str = FEATURE_SET_VERSION
    lookups: tuple[Callable[[str, float], float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        missing = [a for a in CATEGORICAL_ATTRIBUTES if a not in self.vocab]
        if missing:
            raise ValueError(f"the vocabulary lacks {', '.join(missing)}")
        codes = tuple({value: float(code) for value, code in self.vocab[a].items()} for a in CATEGORICAL_ATTRIBUTES)
        object.__setattr__(self, "lookups", tuple(c.get for c in codes))

    @classmethod
    def fit(cls, records: Iterable[KcsRecord], smoothing: float = 5.0) -> FeatureSpec:
        """Vocabularies in order of first appearance in date order (codes 0, 1, 2... ; -1 is "unseen")."""
        vocab: dict[str, dict[str, int]] = {a: {} for a in CATEGORICAL_ATTRIBUTES}
        for r in chronological(records):
            for a in CATEGORICAL_ATTRIBUTES:
                values = vocab[a]
                value = getattr(r, a)
                if value not in values:
                    values[value] = len(values)
        return cls(vocab=vocab, smoothing=smoothing)

    def to_mapping(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "smoothing": self.smoothing,
            "vocab": {k: dict(v) for k, v in self.vocab.items()},
        }

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> FeatureSpec:
        if m.get("version") != FEATURE_SET_VERSION:
            raise ValueError(f"feature set {m.get('version')!r} is not {FEATURE_SET_VERSION!r}: retrain the model")
        return cls(
            vocab={k: dict(v) for k, v in m["vocab"].items()}, smoothing=float(m["smoothing"]), version=m["version"]
        )


@dataclass(slots=True)
class _Event:
    record: KcsRecord
    declared: bool  # counts as a declaration (False: an outcome recorded later)
    fraud: int | None
    critical: int | None


def _key_to_json(key: Hashable) -> Any:
    return list(key) if isinstance(key, tuple) else key


def _key_from_json(value: Any) -> Hashable:
    return tuple(value) if isinstance(value, list) else value


@dataclass(slots=True)
class HistoryState:
    """The declaration history, as of the start of ``day`` (events of ``day`` itself are pending)."""

    spec: FeatureSpec
    day: date | None = None
    tables: tuple[dict[Hashable, list[float]], ...] = field(default_factory=lambda: tuple({} for _ in GROUP_NAMES))
    hs6_values: dict[str, list[float]] = field(default_factory=dict)  # sorted log values per kg
    hs4_values: dict[str, list[float]] = field(default_factory=dict)
    declarations: int = 0
    outcomes: int = 0
    frauds: int = 0
    pending: list[_Event] = field(default_factory=list)
    #: per HS6 code, what :meth:`features_of_declaration` derives from the code and the history as of ``day``
    #: (the code as numbers, the medians of value per kg, the HS6 and HS4 history triples): valid until the
    #: history commits or moves to another day, which clear it
    derived: dict[str, _Derived] = field(default_factory=dict, repr=False, compare=False)

    # ------------------------------------------------------------------ feeding the history

    def update(self, record: KcsRecord, *, with_outcome: bool = True) -> None:
        """A declaration was filed, with its outcome when ``record`` carries one and ``with_outcome`` is true.
        Visible from the next day."""
        self._advance(record.date)
        if with_outcome:
            self.pending.append(_Event(record, True, record.fraud, record.critical_fraud))
        else:
            self.pending.append(_Event(record, True, None, None))

    def record_outcome(self, record: KcsRecord, fraud: int, critical: int | None, on: date) -> None:
        """The outcome of an earlier declaration became known ``on`` a day (visible from the day after)."""
        if fraud not in (0, 1):
            raise ValueError("fraud must be 0 or 1")
        self._advance(on)
        self.pending.append(_Event(record, False, fraud, critical))

    def advance(self, day: date) -> None:
        """Move to ``day``: every event before it becomes visible."""
        self._advance(day)

    def _advance(self, day: date) -> None:
        current = self.day
        if current is None:
            self.day = day
            self.derived.clear()
        elif day > current:
            self._commit()
            self.day = day
            self.derived.clear()

    def _commit(self) -> None:
        self.derived.clear()
        for event in self.pending:
            r = event.record
            last = float(r.date.toordinal())
            fraud = event.fraud
            for table, key in zip(self.tables, history_keys(r), strict=True):
                entry = table.get(key)
                if entry is None:
                    entry = table[key] = [0.0, 0.0, 0.0, last]
                if event.declared:
                    entry[_N] += 1.0
                    if last > entry[_LAST]:
                        entry[_LAST] = last
                if fraud is not None:
                    entry[_L] += 1.0
                    entry[_F] += fraud
            if event.declared:
                self.declarations += 1
                v = log_value_per_kg(r)
                bisect.insort(self.hs6_values.setdefault(r.hs6, []), v)
                bisect.insort(self.hs4_values.setdefault(r.hs6[:4], []), v)
            if fraud is not None:
                self.outcomes += 1
                self.frauds += fraud
        self.pending.clear()

    # ------------------------------------------------------------------ reading it

    @property
    def prior(self) -> float:
        """The overall past fraud rate, with a Beta(1, 4) prior (0.2 before any outcome)."""
        return (self.frauds + 1.0) / (self.outcomes + 5.0)

    def features(self, r: KcsRecord) -> list[float]:
        """The feature vector of ``r`` (in :data:`FEATURES` order) from the events dated before ``r.date``."""
        day = self.day
        if day is None or r.date > day:
            self._advance(r.date)
        elif r.date < day:
            raise LookAheadError(
                f"the history is at {day.isoformat()}: declaration {r.declaration_id} dated "
                f"{r.date.isoformat()} would see later events"
            )
        out = [get(value, -1.0) for get, value in zip(self.spec.lookups, _categorical_values(r), strict=True)]
        out += self._own(r)
        p = (self.frauds + 1.0) / (self.outcomes + 5.0)
        m = self.spec.smoothing
        mp = m * p
        unseen = (0.0, p, -1.0)
        today = float(r.date.toordinal())
        for table, key in zip(self.tables, history_keys(r), strict=True):
            entry = table.get(key)
            if entry is None:
                out += unseen
            else:
                n, outcomes, frauds, last = entry
                out += (n, (frauds + mp) / (outcomes + m), today - last)
        return out

    def features_of_declaration(self, records: Sequence[KcsRecord]) -> list[list[float]]:
        """The feature vectors of a declaration's goods items (``to_records``): equal to :meth:`features` of each
        (the tests hold them to it), with what the items share looked up once (:meth:`features_of_goods`).

        A record that does not share the first one's header is computed on its own; from a record of another
        day on, every record is (exactly :meth:`features`, one by one)."""
        if not records:
            return []
        first = records[0]
        day = first.date
        head = _header(first)
        same_day = next((i for i, r in enumerate(records) if r.date != day), len(records))
        shared = [i for i in range(same_day) if not i or _header(records[i]) == head]
        together = set(shared)
        goods = [
            (r.hs6, r.origin_country, r.tax_type, r.tax_rate, r.net_mass, r.item_price)
            for r in (records[i] for i in shared)
        ]
        computed = self.features_of_goods(day, head, goods, first.declaration_id)
        vectors: list[list[float]] = []
        at = iter(computed)
        for i in range(same_day):
            vectors.append(next(at) if i in together else self.features(records[i]))
        vectors += [self.features(r) for r in records[same_day:]]  # advance, or refuse a look-ahead
        return vectors

    def features_of_goods(
        self, day: date, header: Sequence[str], goods: Sequence[Goods], declaration_id: str = ""
    ) -> list[list[float]]:
        """The feature vectors of a declaration's goods items filed on ``day``, from what they share (``header``:
        the record fields in ``_header`` order, e.g. a ``kcs.Header``) and per item ``(hs6, origin country,
        tax type, tax rate, net mass, item price)`` (``kcs.declaration_goods``): what :meth:`features` gives for
        the records with these values, in one pass.

        The header's categorical codes and the importer, declarant, seller, courier and office histories are
        looked up once; what depends on the HS6 code alone (the code as numbers, the medians of value per kg,
        the HS6 and HS4 histories) comes from :attr:`derived`, filled on first use and cleared whenever the
        history commits or changes day; the six other histories are looked up per item, unrolled."""
        current = self.day
        if current is None or day > current:
            self._advance(day)
        elif day < current:
            raise LookAheadError(
                f"the history is at {current.isoformat()}: declaration {declaration_id} dated "
                f"{day.isoformat()} would see later events"
            )
        (office, process, import_type, import_use, payment, transport, indicator, departure, *parties) = header
        lookups = self.spec.lookups
        # the categorical codes the items share (tax type and origin country are per item)
        c0 = lookups[0](office, -1.0)
        c1 = lookups[1](process, -1.0)
        c2 = lookups[2](import_type, -1.0)
        c3 = lookups[3](import_use, -1.0)
        c4 = lookups[4](payment, -1.0)
        c5 = lookups[5](transport, -1.0)
        c7 = lookups[7](indicator, -1.0)
        c8 = lookups[8](departure, -1.0)
        get_tax_type = lookups[_TAX_TYPE]
        get_origin = lookups[_ORIGIN]
        p = (self.frauds + 1.0) / (self.outcomes + 5.0)
        m = self.spec.smoothing
        mp = m * p
        unseen = (0.0, p, -1.0)
        today = float(day.toordinal())
        tables = self.tables
        importer, declarant, seller, courier = parties
        shared: list[float] = []
        for table, key in zip(tables, (importer, declarant, seller, courier, office), strict=False):  # SHARED_GROUPS
            entry = table.get(key)
            if entry is None:
                shared += unseen
            else:
                n, outcomes, frauds, last = entry
                shared += (n, (frauds + mp) / (outcomes + m), today - last)
        route, hs6_departure, hs6_price, hs6_mass, by_price, by_mass = tables[7:]
        has_courier = 1.0 if courier else 0.0
        has_seller = 1.0 if seller else 0.0
        derived = self.derived
        log, log1p = math.log, math.log1p
        vectors: list[list[float]] = []
        for hs6, origin, tax_type, tax, mass, price in goods:
            d = derived.get(hs6)
            if d is None:
                d = self._derive(hs6, today, mp, m, unseen)
            hs2f, hs4f, hs6f, median6, median4, hs_history = d
            v = log((price + 1.0) / (mass + 0.01))
            out = [
                c0,
                c1,
                c2,
                c3,
                c4,
                c5,
                get_tax_type(tax_type, -1.0),
                c7,
                c8,
                get_origin(origin, -1.0),
                tax,
                log1p(mass),
                log1p(price),
                v,
                log1p(price * tax / 100.0),
                hs2f,
                hs4f,
                hs6f,
                0.0 if departure == origin else 1.0,
                has_courier,
                has_seller,
                NAN if median6 is None else v - median6,
                NAN if median4 is None else v - median4,
                *shared,
                *hs_history,
            ]
            for e in (
                route.get((hs6, origin)),
                hs6_departure.get((hs6, departure)),
                hs6_price.get((hs6, price)),
                hs6_mass.get((hs6, mass)),
                by_price.get(price),
                by_mass.get(mass),
            ):
                if e is None:
                    out += unseen
                else:
                    n, outcomes, frauds, last = e
                    out += (n, (frauds + mp) / (outcomes + m), today - last)
            vectors.append(out)
        return vectors

    def _derive(self, hs6: str, today: float, mp: float, m: float, unseen: tuple[float, float, float]) -> _Derived:
        """What the features of any goods item of ``hs6`` take from the code and the history (see ``derived``)."""
        hs4 = hs6[:4]
        past6 = self.hs6_values.get(hs6)
        past4 = self.hs4_values.get(hs4)
        history: list[float] = []
        for table, key in ((self.tables[5], hs6), (self.tables[6], hs4)):
            entry = table.get(key)
            if entry is None:
                history += unseen
            else:
                n, outcomes, frauds, last = entry
                history += (n, (frauds + mp) / (outcomes + m), today - last)
        d: _Derived = (
            float(hs6[:2]),
            float(hs4),
            float(hs6),
            past6[len(past6) // 2] if past6 else None,
            past4[len(past4) // 2] if past4 else None,
            tuple(history),
        )
        if len(self.derived) >= 100_000:  # HS6 codes are finite, but keep it bounded whatever the input
            self.derived.clear()
        self.derived[hs6] = d
        return d

    def _own(self, r: KcsRecord) -> tuple[float, ...]:
        """The record's :data:`NUMERIC_OWN` features."""
        price, mass, tax = r.item_price, r.net_mass, r.tax_rate
        v = math.log((price + 1.0) / (mass + 0.01))
        hs6 = r.hs6
        past6 = self.hs6_values.get(hs6)
        past4 = self.hs4_values.get(hs6[:4])
        return (
            tax,
            math.log1p(mass),
            math.log1p(price),
            v,
            math.log1p(price * tax / 100.0),
            float(hs6[:2]),
            float(hs6[:4]),
            float(hs6),
            0.0 if r.departure_country == r.origin_country else 1.0,
            1.0 if r.courier else 0.0,
            1.0 if r.seller else 0.0,
            v - past6[len(past6) // 2] if past6 else NAN,
            v - past4[len(past4) // 2] if past4 else NAN,
        )

    # ------------------------------------------------------------------ persistence

    def to_mapping(self) -> dict[str, Any]:
        """JSON-compatible. Pending events are committed first and the day closed: the snapshot is the history
        as of the next day (a declaration of the closed day can no longer be scored without look-ahead)."""
        if self.pending:
            self._commit()
            if self.day is not None:
                self.day = self.day + timedelta(days=1)
        return {
            "spec": self.spec.to_mapping(),
            "day": self.day.isoformat() if self.day else None,
            "groups": list(GROUP_NAMES),
            "tables": [[[_key_to_json(k), *v] for k, v in t.items()] for t in self.tables],
            "hs6_values": self.hs6_values,
            "hs4_values": self.hs4_values,
            "declarations": self.declarations,
            "outcomes": self.outcomes,
            "frauds": self.frauds,
        }

    @classmethod
    def from_mapping(cls, m: Mapping[str, Any]) -> HistoryState:
        if list(m["groups"]) != list(GROUP_NAMES):
            raise ValueError("the stored history keeps other groups than this version: retrain the model")
        state = cls(spec=FeatureSpec.from_mapping(m["spec"]), day=date.fromisoformat(m["day"]) if m["day"] else None)
        state.tables = tuple({_key_from_json(row[0]): [float(x) for x in row[1:]] for row in t} for t in m["tables"])
        state.hs6_values = {k: list(v) for k, v in m["hs6_values"].items()}
        state.hs4_values = {k: list(v) for k, v in m["hs4_values"].items()}
        state.declarations, state.outcomes, state.frauds = int(m["declarations"]), int(m["outcomes"]), int(m["frauds"])
        return state

    def save(self, path: Path) -> None:
        data = json.dumps(self.to_mapping(), separators=(",", ":")).encode()
        path.write_bytes(gzip.compress(data, compresslevel=6, mtime=0))

    @classmethod
    def load(cls, path: Path) -> HistoryState:
        return cls.from_mapping(json.loads(gzip.decompress(path.read_bytes())))

    def copy(self) -> HistoryState:
        """An independent copy (the spec is immutable and shared)."""
        return HistoryState(
            spec=self.spec,
            day=self.day,
            tables=tuple({k: v.copy() for k, v in t.items()} for t in self.tables),
            hs6_values={k: v.copy() for k, v in self.hs6_values.items()},
            hs4_values={k: v.copy() for k, v in self.hs4_values.items()},
            declarations=self.declarations,
            outcomes=self.outcomes,
            frauds=self.frauds,
            pending=list(self.pending),
        )


def without_outcome(r: KcsRecord) -> KcsRecord:
    return r._replace(fraud=None, critical_fraud=None) if r.fraud is not None or r.critical_fraud is not None else r


def replay(
    records: Sequence[KcsRecord], state: HistoryState, *, learn_outcomes: bool = True
) -> Iterator[tuple[int, list[float]]]:
    """Feature vectors of ``records`` in date order as ``(index in records, vector)``, feeding ``state`` as it goes.

    With ``learn_outcomes`` false the records' own outcomes are withheld from the history (a file to score:
    its declarations are known once filed, their outcomes are not)."""
    order = sorted(range(len(records)), key=lambda i: (records[i].date, records[i].declaration_id))
    for i in order:
        r = records[i]
        yield i, state.features(r)
        state.update(r, with_outcome=learn_outcomes)


def feature_matrix(
    records: Sequence[KcsRecord], state: HistoryState, *, learn_outcomes: bool = True
) -> list[list[float]]:
    """The feature vectors of ``records`` in their given order (computed in date order, see :func:`replay`)."""
    rows: list[list[float]] = [[] for _ in records]
    for i, vector in replay(records, state, learn_outcomes=learn_outcomes):
        rows[i] = vector
    return rows
