"""A world of registered organizations, deterministic from a seed: the cast of the demo, the tests and the simulator.

Every organization gets a valid 统一社会信用代码, an Ed25519 key derived from the seed, its licences and its
certified people, all recorded by the regulator as registry events (``World.events``, in order, starting with the
self-signed genesis). Feeding those events to an empty ledger makes the organizations real.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ledger.core.identifiers import format_instant, instant_from_text, uscc_check_char
from ledger.core.keys import SigningKey
from producers.client import Producer

__all__ = ["ExistingRegulator", "Org", "World", "make_uscc"]

_LICENCE_FOR_ROLE = {
    "manufacturer": ("manufacture", "modification"),
    "installer": ("installation", "modification", "repair"),
    "maintainer": ("maintenance", "repair"),
    "inspection_body": ("inspection", "testing"),
    "assessment_body": ("assessment",),
}
_PEOPLE_FOR_ROLE = {"maintainer": ("worker", "T"), "inspection_body": ("inspector", "inspector"),
                    "user_unit": ("safety_manager", "A"), "assessment_body": ("assessor", "assessor")}


def make_uscc(region: str, serial: int) -> str:
    """A valid 统一社会信用代码: 91 (enterprise) + 6-digit region + MA + 7 digits + check character."""
    first17 = f"91{region}MA{serial:07d}"
    return first17 + uscc_check_char(first17)


@dataclass
class Org:
    org: str
    name: str
    roles: tuple[str, ...]
    key: SigningKey
    district: str | None = None
    maker_code: str | None = None
    people: dict[str, list[str]] = field(default_factory=dict)  # person role → certificate numbers
    producers: dict[str, Producer] = field(default_factory=dict)

    def as_(self, role: str) -> Producer:
        return self.producers[role]

    @property
    def producer(self) -> Producer:
        return self.producers[self.roles[0]]

    def persons(self, role: str, count: int = 1, offset: int = 0) -> list[dict[str, str]]:
        certs = self.people[role]
        return [{"cert_no": certs[(offset + i) % len(certs)], "role": role} for i in range(count)]


@dataclass(frozen=True)
class ExistingRegulator:
    """The regulator of a ledger that already exists (made by ``liftledger init``): the world signs its registry
    with this key and records no genesis of its own, so its events append to that ledger."""

    org: str
    name: str
    key: SigningKey


class World:
    def __init__(self, seed: int = 0, *, start: str = "2015-01-01T00:00:00Z", region: str = "310000",
                 regulator: ExistingRegulator | None = None) -> None:
        self.seed = seed
        self.start = instant_from_text(start)
        self.region = region
        self.events: list[dict[str, Any]] = []
        self.orgs: dict[str, Org] = {}
        self._serial = 0
        if regulator is not None:
            self._serial = 2  # the serials a regulator of its own would have used: the cast keeps its codes
            self.regulator = Org(regulator.org, regulator.name, ("regulator",), regulator.key, district="全市")
            self.regulator.producers["regulator"] = Producer.seeded(regulator.org, "regulator", regulator.key,
                                                                    self.seed * 1_000_003 + 2)
            self.orgs[regulator.org] = self.regulator
            self.regulator_producer = self.regulator.as_("regulator")
            return
        self.regulator = self._new_org("市场监督管理局", ("regulator",), district="全市")
        self.regulator_producer = self.regulator.as_("regulator")
        key = self.regulator.key
        self._record("RegistryGenesis", {
            "org": self.regulator.org, "name": self.regulator.name, "key_id": key.key_id,
            "public_key": key.public.base64, "valid_from": format_instant(self.start),
        })

    def key(self, label: str) -> SigningKey:
        return SigningKey.from_seed(hashlib.sha256(f"liftledger-world:{self.seed}:{label}".encode()).digest())

    def organization(
        self, name: str, roles: tuple[str, ...], *, district: str | None = None, maker_code: str | None = None,
        people: int = 4, licence_years: int = 30,
    ) -> Org:
        """Register an organization with a key, the licences its roles need and ``people`` certified persons."""
        org = self._new_org(name, roles, district=district, maker_code=maker_code)
        registered: dict[str, Any] = {"org": org.org, "name": name, "roles": list(roles)}
        if district:
            registered["district"] = district
        if maker_code:
            registered["maker_code"] = maker_code
        self._record("OrganizationRegistered", registered)
        self._record("KeyAdded", {"org": org.org, "key_id": org.key.key_id, "public_key": org.key.public.base64,
                                  "valid_from": format_instant(self.start)})
        start_day = format_instant(self.start)[:10]
        until = f"{int(start_day[:4]) + licence_years}{start_day[4:]}"
        kinds = sorted({kind for role in roles for kind in _LICENCE_FOR_ROLE.get(role, ())})
        for n, kind in enumerate(kinds, start=1):
            self._record("LicenceGranted", {"org": org.org, "licence_no": f"TS{org.org[-6:]}-{n}", "kind": kind,
                                            "valid_from": start_day, "valid_until": until})
        for role in roles:
            if role in _PEOPLE_FOR_ROLE:
                self._certify(org, *_PEOPLE_FOR_ROLE[role], people, start_day, until)
        return org

    def licence_no(self, org: Org, kind: str) -> str:
        kinds = sorted({k for role in org.roles for k in _LICENCE_FOR_ROLE.get(role, ())})
        return f"TS{org.org[-6:]}-{kinds.index(kind) + 1}"

    def terminal(self, owner: Org, terminal_id: str, equipment_code: str) -> Producer:
        """Register an IoT terminal fitted to ``equipment_code`` with its own device key."""
        key = self.key(f"device:{terminal_id}")
        self._record("DeviceRegistered", {"org": owner.org, "terminal_id": terminal_id,
                                          "equipment_code": equipment_code})
        self._record("KeyAdded", {"org": owner.org, "key_id": key.key_id, "public_key": key.public.base64,
                                  "valid_from": format_instant(self.start), "device": terminal_id})
        return Producer.seeded(owner.org, "iot_terminal", key, self._next_seed(), device=terminal_id)

    def _certify(self, org: Org, person_role: str, category: str, count: int, start_day: str, until: str) -> None:
        certs = org.people.setdefault(person_role, [])
        for n in range(count):
            cert_no = f"{category}{org.org[-6:]}{n + 1:03d}"
            certs.append(cert_no)
            # Certificates last 4 years (TSG Z6001) and are renewed: recorded here as one long validity.
            self._record("WorkerCertified", {"org": org.org, "cert_no": cert_no, "category": category,
                                             "valid_from": start_day, "valid_until": until})

    def _new_org(self, name: str, roles: tuple[str, ...], **kw: Any) -> Org:
        self._serial += 1
        uscc = make_uscc(self.region, self._serial)
        key = self.key(f"org:{uscc}")
        org = Org(uscc, name, roles, key, **kw)
        for role in roles:
            org.producers[role] = Producer.seeded(uscc, role, key, self._next_seed())
        self.orgs[uscc] = org
        return org

    def _next_seed(self) -> int:
        self._serial += 1
        return self.seed * 1_000_003 + self._serial

    def _record(self, event_type: str, payload: dict[str, Any]) -> None:
        self.events.append(self.regulator_producer.event(event_type, payload, occurred_at=self.start))
