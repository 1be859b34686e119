"""Generate the passport golden vectors under tests/vectors/passport/ (deterministic: fixed seeds, fixed times).

    python -m tests.vectors.generate_passport_vectors        # from the repository root

One valid passport and one file per forgery a verifier must refuse, each named after its mutation, with:

* ``desc`` — what was done, and why the ledger would have refused it;
* ``want_err`` — the error code a conforming verifier raises (``null``: it verifies);
* ``want_verified`` — for ``want_err: null``: whether it is VERIFIED (true only with a regulator root);
* ``operator_vkey`` — the log operator's verifier key (§II.4.2);
* ``regulator_key`` — the pinned regulator root: the base64 genesis public key, or ``null`` (not pinned);
* ``passport`` — the passport document, or ``passport_text`` — its exact bytes as text, where the bytes are
  what is wrong (a repeated key, a float).

The histories are made by tests/vectors/forge.py: records placed in a log the way an operator running the
ledger's software could place them, every proof valid and the checkpoint signed by the operator's own key — only
the rules of docs/FORMAT.md §I.7 and §II.8 tell the forgeries apart. The world is producers/world.py's with seed
12: a regulator, a manufacturer (制造单位代号 31001), a maintainer and a user unit; the elevator
311031001201800001 is manufactured, registered, contracted and maintained three times.
tests/unit/test_passport_vectors.py checks that the files on disk are exactly this script's output and that the
verifier gives every ``want_err``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from ledger.core.canonical import record_bytes
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import SigningKey
from ledger.core.maintenance_items import items_for_tier
from ledger.tlog.checkpoint import NoteSigner
from producers.client import Producer
from producers.world import Org, World
from tests.vectors.forge import ForgedLog, Logged

HERE = Path(__file__).resolve().parent / "passport"
KEEP = {"format1.json"}  # written once by hand from a format-1 store: history, not regenerated

SEED = 12
CODE = "311031001201800001"
OTHER_CODE = "311031001201800002"
ORIGIN = "liftledger.example/log"
OPERATOR_SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 test 1
START = "2016-01-01T00:00:00Z"
REGISTRY_RECORDED = instant_from_text(START) + 60
CHECKPOINT_TIME = instant_from_text("2019-06-01T00:00:00Z")
MAINTENANCE = ("2019-01-10T02:00:00Z", "2019-01-25T02:00:00Z", "2019-02-10T02:00:00Z")


@dataclass
class Cast:
    """The world of the vectors and the records of the honest history."""

    world: World
    maker: Org
    maintainer: Org
    user: Org

    @classmethod
    def make(cls, seed: int = SEED) -> Cast:
        world = World(seed, start=START)
        maker = world.organization("迅达电梯", ("manufacturer", "installer"), maker_code="31001", people=1)
        maintainer = world.organization("安心维保", ("maintainer",), district="浦东新区", people=2)
        user = world.organization("阳光物业", ("user_unit",), district="浦东新区", people=0)
        return cls(world, maker, maintainer, user)

    def registry(self) -> list[Logged]:
        return [Logged(record_bytes(e), REGISTRY_RECORDED) for e in self.world.events]

    def regulator(self, event_type: str, payload: dict[str, Any], when: str, code: str | None = None) -> Logged:
        envelope = self.world.regulator_producer.event(event_type, payload, occurred_at=when, equipment_code=code)
        return logged(envelope)

    def elevator(self, code: str = CODE) -> list[Logged]:
        maker, maintainer, user = self.maker, self.maintainer, self.user
        return [
            logged(maker.as_("manufacturer").event("Manufactured", {
                "model": "3300", "factory_serial": f"F-{code[-5:]}", "certificate_no": "HG-1", "rated_load_kg": 1000,
                "rated_speed_mm_s": 1750, "floors": 10, "stops": 10, "doors": 10, "design_life_years": 20,
            }, equipment_code=code, occurred_at="2018-03-01T00:00:00Z")),
            self.regulator("Registered", {
                "registration_no": f"梯31沪A{code[-5:]}(18)", "user_unit": user.org, "site_category": "residential",
                "district": "浦东新区", "address": "世纪大道1号"}, "2018-06-01T00:00:00Z", code),
            logged(maintainer.as_("maintainer").event("MaintenanceContractSigned", {
                "contract_no": "WB-1", "maintainer": maintainer.org, "user_unit": user.org, "mode": "regular",
                "start_date": "2018-06-01", "end_date": "2030-12-31",
            }, equipment_code=code, occurred_at="2018-06-01T00:00:00Z")),
            *(self.maintenance(when, code=code) for when in MAINTENANCE),
        ]

    def maintenance(self, when: str, *, key: SigningKey | None = None, code: str = CODE) -> Logged:
        producer = self.maintainer.as_("maintainer")
        if key is not None:
            producer = Producer.seeded(producer.org, producer.role, key, SEED)
        started = instant_from_text(when) - 2700
        return logged(producer.event("MaintenancePerformed", {
            "contract_no": "WB-1", "tier": "half_month", "started_at": format_instant(started), "ended_at": when,
            "results": dict.fromkeys(items_for_tier("half_month"), "pass"),
        }, equipment_code=code, occurred_at=when, persons=self.maintainer.persons("worker", 2)))

    def honest(self) -> list[Logged]:
        return [*self.registry(), *self.elevator()]


def logged(envelope: dict[str, Any], *, after: int = 600) -> Logged:
    """A record recorded ``after`` seconds after it occurred."""
    return Logged(record_bytes(envelope), instant_from_text(envelope["occurred_at"]) + after)


def operator() -> NoteSigner:
    return NoteSigner(ORIGIN, SigningKey.from_seed(OPERATOR_SEED).private)


def passport_of(records: list[Logged], *, leaf_order: list[int] | None = None, origin: str = ORIGIN,
                streams: list[str] | None = None) -> dict[str, Any]:
    log = ForgedLog(records, leaf_order)
    note = log.checkpoint(operator(), CHECKPOINT_TIME, origin=origin)
    return log.passport(CODE, note, origin, streams=streams)


def regulator_key(cast: Cast) -> str:
    return cast.world.regulator.key.public.base64


# --- the forgeries -----------------------------------------------------------------------------------------------


Vector = dict[str, Any]


def _vector(desc: str, want_err: str | None, passport: dict[str, Any] | str, regulator: str | None,
            want_verified: bool | None = None) -> Vector:
    vector: Vector = {"desc": desc, "want_err": want_err}
    if want_err is None:
        vector["want_verified"] = regulator is not None if want_verified is None else want_verified
    vector["operator_vkey"] = operator().vkey()
    vector["regulator_key"] = regulator
    vector["passport_text" if isinstance(passport, str) else "passport"] = passport
    return vector


def _compact(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def vectors() -> dict[str, Vector]:
    cast = Cast.make()
    root = regulator_key(cast)
    honest = cast.honest()
    valid = passport_of(honest)
    out: dict[str, Vector] = {
        "valid": _vector("an honest history: VERIFIED against the regulator root", None, valid, root),
        "valid--no-regulator-root": _vector(
            "the same passport without a pinned regulator root: every check passes, but it is not VERIFIED (the "
            "registry is only the operator's word)", None, valid, None),
    }
    for name, (desc, want, build) in _forgeries(cast).items():
        out[name] = _vector(desc, want, build(), root)
    text = _compact(valid)
    first_seq = '"seq":1,'
    assert first_seq in text
    for name, desc, forged in [
        ("seq-as-float", "seq written 1.0: numbers are integers", text.replace(first_seq, '"seq":1.0,', 1)),
        ("seq-as-boolean", "seq written true, which many languages compare equal to 1",
         text.replace(first_seq, '"seq":true,', 1)),
        ("repeated-json-key", "seq twice in one object: a lax parser keeps the last one",
         text.replace(first_seq, '"seq":2,"seq":1,', 1)),
        ("unknown-field", "a field the format does not define", text.replace(first_seq, '"seq":1,"note":"x",', 1)),
    ]:
        out[name] = _vector(desc, "passport.malformed", forged, root)
    return out


Build = Callable[[], Any]


def _forgeries(cast: Cast) -> dict[str, tuple[str, str, Build]]:
    registry, elevator = cast.registry(), cast.elevator()
    maker, maintainer, user = cast.maker, cast.maintainer, cast.user
    minted = SigningKey.from_seed(b"\x21" * 32)
    last_registry = REGISTRY_RECORDED

    def key_added(org: Org, key: SigningKey, by: Org | None = None, when: str = START) -> Logged:
        payload = {"org": org.org, "key_id": key.key_id, "public_key": key.public.base64, "valid_from": START}
        if by is None:
            return Logged(record_bytes(cast.world.regulator_producer.event("KeyAdded", payload, occurred_at=when)),
                          last_registry)
        envelope = by.as_(by.roles[0]).event("KeyAdded", payload, occurred_at=when)
        return Logged(record_bytes(envelope), last_registry)

    revoked_at = "2019-01-20T00:00:00Z"
    revocation = cast.regulator("KeyRevoked", {"org": maintainer.org, "key_id": maintainer.key.key_id,
                                               "revoked_at": revoked_at, "reason": "泄露"}, revoked_at)
    original_key_added = next(r for r in registry if b'"type":"KeyAdded"' in r.record
                              and maintainer.key.key_id.encode() in r.record)
    # The elevator's history up to the second visit, then the revocation, then the rest.
    before, after = elevator[:4], elevator[4:]

    def with_revocation(*extra: Logged) -> list[Logged]:
        return [*registry, *before, revocation, *extra, *after]

    def later(record: Logged, at: int) -> Logged:
        return Logged(record.record, at, record.stream)

    reversed_order = list(range(len(registry))) + list(reversed(range(len(registry), len(registry) + len(elevator))))
    other = Cast.make(seed=99)  # the same organization codes, other keys: a log made up by the operator
    other_elevator = cast.elevator(OTHER_CODE)[0]
    schema_float = elevator[-1].record.replace(b'"schema":1,', b'"schema":1.0,', 1)
    spaced = elevator[-1].record.replace(b'"tier":', b'"tier": ', 1)
    return {
        "keyadded-by-manufacturer": (
            "the manufacturer's key adds a key for the maintainer, which then signs a maintenance record: only a "
            "regulator records KeyAdded", "role.forbidden",
            lambda: passport_of([*registry, key_added(maintainer, minted, by=maker), *elevator[:3],
                                 cast.maintenance(MAINTENANCE[0], key=minted)])),
        "keyadded-replayed-after-revocation": (
            "the regulator's own KeyAdded bytes put in the log again after the key's KeyRevoked, to un-revoke it; "
            "the ledger never appends a record twice", "log.replayed_record",
            lambda: passport_of(with_revocation(later(original_key_added, instant_from_text(revoked_at) + 600)))),
        "keyadded-duplicate": (
            "a second KeyAdded (a new event) for a key already registered, after its revocation",
            "invariant.duplicate_key",
            lambda: passport_of(with_revocation(logged(cast.world.regulator_producer.event("KeyAdded", {
                "org": maintainer.org, "key_id": maintainer.key.key_id, "public_key": maintainer.key.public.base64,
                "valid_from": revoked_at}, occurred_at=revoked_at))))),
        "key-used-after-revocation": (
            "a maintenance record signed with the maintainer's key after the regulator revoked it",
            "key.revoked", lambda: passport_of(with_revocation())),
        "elevator-record-repeated": (
            "the same maintenance record twice in the elevator's stream", "log.replayed_record",
            lambda: passport_of([*registry, *elevator,
                                 later(elevator[-1], instant_from_text(MAINTENANCE[-1]) + 900)])),
        "genesis-not-at-leaf-0": (
            "another elevator's record placed before the genesis: the genesis is the log's first record",
            "log.genesis_position",
            lambda: passport_of([Logged(other_elevator.record, REGISTRY_RECORDED), *registry, *elevator])),
        "elevator-records-in-reverse-leaf-order": (
            "the elevator's records chained in one order but placed in the log in the reverse order",
            "log.order", lambda: passport_of([*registry, *[later(r, CHECKPOINT_TIME - 1) for r in elevator]],
                                             leaf_order=reversed_order)),
        "synthetic-log": (
            "a log made up by the operator with the real organization codes and keys of its own making",
            "trust.regulator_root", lambda: passport_of(other.honest())),
        "origin-not-operator-key-name": (
            "a checkpoint whose origin is not the name of the operator's key that signed it (§II.4.4(b))",
            "note.origin", lambda: passport_of(cast.honest(), origin="evil.example/log")),
        "registry-record-dropped": (
            "the maintainer's KeyRevoked left out of its organization's stream (a later record kept)",
            "integrity.seq", lambda: _drop_revocation(with_revocation(_certified(cast, revoked_at)),
                                                      f"org:{maintainer.org}")),
        "organization-stream-missing": (
            "the user unit's organization stream left out: the Registered record names a user unit the passport "
            "does not show", "relationship.missing",
            lambda: _without_stream(passport_of([*registry, *elevator]), f"org:{user.org}")),
        "maintenance-without-contract": (
            "a maintenance record before any contract: the maintainer has no relationship with the elevator",
            "relationship.missing",
            lambda: passport_of([*registry, *elevator[:2], later(cast.maintenance("2018-05-01T02:00:00Z"),
                                                                 elevator[1].recorded_at)])),
        "recorded-times-decrease": (
            "a record said to be recorded before the record on the leaf before it", "integrity.recorded_at",
            lambda: passport_of([*registry, *elevator[:-1], later(elevator[-1], REGISTRY_RECORDED - 1)])),
        "record-schema-as-float": (
            "a record whose envelope says \"schema\": 1.0 (its bytes are in the log)", "integrity.record",
            lambda: passport_of([*registry, *elevator[:-1], Logged(schema_float, elevator[-1].recorded_at,
                                                                   f"elevator:{CODE}")])),
        "record-not-canonical": (
            "a record stored with a space that canonical bytes do not have", "integrity.canonical",
            lambda: passport_of([*registry, *elevator[:-1], Logged(spaced, elevator[-1].recorded_at,
                                                                   f"elevator:{CODE}")])),
        "foreign-elevator-stream": (
            "another elevator's stream shown in this elevator's passport", "passport.foreign_record",
            lambda: _add_stream(passport_of([*registry, *elevator, Logged(other_elevator.record, CHECKPOINT_TIME)]),
                                f"elevator:{OTHER_CODE}", [*registry, *elevator,
                                                          Logged(other_elevator.record, CHECKPOINT_TIME)])),
    }


def _certified(cast: Cast, when: str) -> Logged:
    """A later record of the maintainer's stream, so that dropping the revocation leaves a gap, not a shorter tail."""
    return cast.regulator("WorkerCertified", {"org": cast.maintainer.org, "cert_no": "T-LATE-1", "category": "T",
                                              "valid_from": when[:10], "valid_until": "2030-01-01"}, when)


def _drop_revocation(records: list[Logged], stream: str) -> dict[str, Any]:
    doc = passport_of(records)
    shown = next(s for s in doc["streams"] if s["stream"] == stream)
    shown["records"] = [r for r in shown["records"] if '"type":"KeyRevoked"' not in r["record"]]
    return doc


def _without_stream(doc: dict[str, Any], stream: str) -> dict[str, Any]:
    doc["streams"] = [s for s in doc["streams"] if s["stream"] != stream]
    return doc


def _add_stream(doc: dict[str, Any], stream: str, records: list[Logged]) -> dict[str, Any]:
    log = ForgedLog(records)
    full = log.passport(CODE, doc["checkpoint"], ORIGIN, streams=[stream])
    doc["streams"].append(full["streams"][0])
    return doc


# --- writing -----------------------------------------------------------------------------------------------------


def build_all() -> dict[str, str]:
    """Every vector file's name and exact text."""
    return {f"{name}.json": json.dumps(vector, indent=1, ensure_ascii=False) + "\n"
            for name, vector in vectors().items()}


def main() -> None:
    files = build_all()
    HERE.mkdir(exist_ok=True)
    for old in HERE.glob("*.json"):
        if old.name not in KEEP:
            old.unlink()
    for name, text in sorted(files.items()):
        (HERE / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(files)} passport vectors under {HERE}")


if __name__ == "__main__":
    main()
