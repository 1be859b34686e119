"""The registry: organizations, roles, licences, keys, certificates and devices — a fold of registry events.

Pure: no I/O. The ledger keeps one :class:`Registry` up to date with every accepted registry event, and asks it
three questions of each submission, in this order:

1. :meth:`Registry.key_for` — which key signed it, and was that key active at ``occurred_at``?
2. :meth:`Registry.authorize` — may this organization, in this role, with these people, record this type?
3. :meth:`Registry.check_registry_event` — for registry events themselves, are they consistent?

Calendar dates (licences, certificates) are local dates in China (UTC+8, no daylight saving).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ledger.core.errors import AuthorizationError, InvariantError, KeyStateError, SchemaError
from ledger.core.identifiers import format_instant
from ledger.core.keys import PublicKey
from ledger.core.schema import registry_events as reg
from ledger.core.schema.enforcement import PenaltyImposed
from ledger.core.submission import Submission
from ledger.core.vocabulary import CERT_CATEGORY_FOR_ROLE

__all__ = ["Certificate", "KeyRecord", "Licence", "Organization", "Registry", "Validity"]

@dataclass(slots=True)
class KeyRecord:
    key_id: str
    org: str
    public: PublicKey
    valid_from: int
    valid_until: int | None = None
    device: str | None = None
    revoked_at: int | None = None

    def problem_at(self, instant: int) -> KeyStateError | None:
        """Why the key could not sign at ``instant``, or None if it was active."""
        if instant < self.valid_from:
            return KeyStateError(
                f"key {self.key_id} is valid from {format_instant(self.valid_from)}", code="key.not_yet_valid"
            )
        if self.revoked_at is not None and instant >= self.revoked_at:
            return KeyStateError(
                f"key {self.key_id} was revoked at {format_instant(self.revoked_at)}", code="key.revoked"
            )
        if self.valid_until is not None and instant >= self.valid_until:
            return KeyStateError(f"key {self.key_id} expired at {format_instant(self.valid_until)}",
                                 code="key.expired")
        return None


@dataclass(slots=True)
class Validity:
    """A dated permission (licence, certificate): valid on its dates unless revoked before the instant."""

    valid_from: date
    valid_until: date
    revoked_at: int | None = None

    def valid_at(self, instant: int, day: date) -> bool:
        """Whether it holds at ``instant``, whose calendar day (in China) is ``day``."""
        if self.revoked_at is not None and instant >= self.revoked_at:
            return False
        return self.valid_from <= day <= self.valid_until


@dataclass(slots=True)
class Licence:
    licence_no: str
    kind: str
    validity: Validity


@dataclass(slots=True)
class Certificate:
    cert_no: str
    org: str
    category: str
    validity: Validity


@dataclass(slots=True)
class Organization:
    org: str
    name: str
    roles: frozenset[str]
    district: str | None = None
    maker_code: str | None = None
    licences: dict[str, Licence] = field(default_factory=dict)

    def licensed_at(self, kinds: tuple[str, ...], instant: int, day: date) -> bool:
        return any(lic.kind in kinds and lic.validity.valid_at(instant, day) for lic in self.licences.values())


@dataclass(slots=True)
class Device:
    terminal_id: str
    org: str
    equipment_code: str


class Registry:
    """The registry as of the last registry event applied."""

    def __init__(self) -> None:
        self.genesis_org: str | None = None
        self.orgs: dict[str, Organization] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.certs: dict[str, Certificate] = {}
        self.devices: dict[str, Device] = {}

    # --- 1. authentication ----------------------------------------------------------------------------------

    def key_for(self, sub: Submission) -> KeyRecord:
        """The key that must have signed ``sub``, checked to be the actor's and active at ``occurred_at``."""
        if self.genesis_org is None:
            return self._genesis_key(sub)
        actor = sub.envelope.actor
        return self.active_key(sub.envelope.key_id, actor.org, actor.role, actor.device, sub.occurred_at)

    def active_key(self, key_id: str, org: str, role: str, device: str | None, instant: int) -> KeyRecord:
        """The registered key ``key_id`` if it belongs to this actor and was active at ``instant``."""
        record = self.keys.get(key_id)
        if record is None:
            raise KeyStateError(f"key {key_id} is not in the registry", code="key.unknown")
        if record.org != org:
            raise KeyStateError(f"key {record.key_id} is not a key of {org}", code="key.unknown")
        if (record.device is not None or role == "iot_terminal") and record.device != device:
            raise KeyStateError(f"key {record.key_id} is not the key of device {device}", code="key.unknown")
        problem = record.problem_at(instant)
        if problem is not None:
            raise problem
        return record

    def _genesis_key(self, sub: Submission) -> KeyRecord:
        """Before genesis, only the self-signed RegistryGenesis is acceptable."""
        payload = sub.payload
        if not isinstance(payload, reg.RegistryGenesis):
            raise KeyStateError("the ledger has no genesis yet: its first event must be RegistryGenesis",
                                code="key.unknown")
        actor = sub.envelope.actor
        if actor.org != payload.org or actor.role != "regulator" or sub.envelope.key_id != payload.key_id:
            raise AuthorizationError("RegistryGenesis must be self-signed by the regulator it introduces")
        record = self._new_key(payload.org, payload.key_id, payload.public_key, payload.valid_from, "payload")
        problem = record.problem_at(sub.occurred_at)
        if problem is not None:
            raise problem
        return record

    @staticmethod
    def _new_key(org: str, key_id: str, public_b64: str, valid_from: int, path: str, *,
                 valid_until: int | None = None, device: str | None = None) -> KeyRecord:
        public = PublicKey.from_base64(public_b64, path=f"{path}.public_key")
        if public.key_id != key_id:
            raise SchemaError(f"key_id must be {public.key_id} for this public key", path=f"{path}.key_id")
        return KeyRecord(key_id, org, public, valid_from, valid_until, device)

    # --- 2. authorization -----------------------------------------------------------------------------------

    def authorize(self, sub: Submission) -> None:
        """Role, licence and people: may this actor record this event type at ``occurred_at``?"""
        actor = sub.envelope.actor
        if self.genesis_org is None:
            return  # the genesis event authorizes itself
        org = self.orgs.get(actor.org)
        if org is None:
            raise AuthorizationError(f"{actor.org} is not a registered organization", code="role.forbidden")
        # A terminal acts by virtue of its registered device key, whatever its owner's roles.
        if actor.role not in org.roles and actor.role != "iot_terminal":
            raise AuthorizationError(f"{actor.org} is not registered as {actor.role}", code="role.forbidden")
        licence_kinds = sub.spec.roles.get(actor.role)
        if licence_kinds is None:
            raise AuthorizationError(f"a {actor.role} may not record {sub.type}", code="role.forbidden")
        if licence_kinds and not org.licensed_at(licence_kinds, sub.occurred_at, sub.day):
            raise AuthorizationError(
                f"{actor.org} holds no valid {'/'.join(licence_kinds)} licence at {format_instant(sub.occurred_at)}",
                code="licence.invalid",
            )
        self._authorize_persons(sub)
        if actor.role == "iot_terminal":
            self._authorize_device(sub)

    def _authorize_persons(self, sub: Submission) -> None:
        actor = sub.envelope.actor
        counts: dict[str, int] = {}
        for index, person in enumerate(actor.persons):
            cert = self.certs.get(person.cert_no)
            category = CERT_CATEGORY_FOR_ROLE[person.role]
            if cert is None or cert.org != actor.org or cert.category != category:
                raise AuthorizationError(
                    f"actor.persons[{index}]: {person.cert_no} is not a category-{category} certificate of "
                    f"{actor.org}",
                    code="certificate.invalid",
                )
            if not cert.validity.valid_at(sub.occurred_at, sub.day):
                raise AuthorizationError(
                    f"actor.persons[{index}]: certificate {person.cert_no} is not valid at "
                    f"{format_instant(sub.occurred_at)}",
                    code="certificate.invalid",
                )
            counts[person.role] = counts.get(person.role, 0) + 1
        for role, minimum in sub.spec.persons.items():
            if counts.get(role, 0) < minimum:
                raise AuthorizationError(
                    f"{sub.type} needs at least {minimum} certified {role}(s) in actor.persons",
                    code="persons.missing",
                )

    def _authorize_device(self, sub: Submission) -> None:
        device = self.devices.get(sub.envelope.actor.device or "")
        if device is None or device.equipment_code != sub.equipment_code or device.org != sub.org:
            raise AuthorizationError(
                f"terminal {sub.envelope.actor.device} is not registered to elevator {sub.equipment_code}",
                code="relationship.missing",
            )

    # --- 3. registry events ---------------------------------------------------------------------------------

    def check_registry_event(self, sub: Submission) -> None:
        """Consistency of a registry (organization-stream) event with the registry so far."""
        if isinstance(sub.payload, reg.RegistryGenesis):
            if self.genesis_org is not None:
                raise InvariantError("genesis_exists", "the ledger already has its genesis")
            return
        check = _REGISTRY_CHECKS.get(type(sub.payload))
        if check is not None:
            check(self, sub)
        else:  # PenaltyImposed on an organization
            party = sub.payload_as(PenaltyImposed).party
            if party not in self.orgs:
                raise AuthorizationError(f"{party} is not registered", code="relationship.missing")

    def _require_org(self, org: str) -> Organization:
        found = self.orgs.get(org)
        if found is None:
            raise AuthorizationError(f"{org} is not a registered organization", code="relationship.missing")
        return found

    def _check_org_registered(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.OrganizationRegistered)
        if payload.org in self.orgs and sub.envelope.corrects is None:
            raise InvariantError("duplicate_org", f"{payload.org} is already registered")
        if "manufacturer" in payload.roles and payload.maker_code is None:
            raise SchemaError("a manufacturer needs its 制造单位代号 maker_code", path="payload.maker_code")

    def _check_licence_granted(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.LicenceGranted)
        org = self._require_org(payload.org)
        if payload.licence_no in org.licences and sub.envelope.corrects is None:
            raise InvariantError("duplicate_number", f"licence {payload.licence_no} is already recorded")
        if payload.valid_until < payload.valid_from:
            raise SchemaError("valid_until is before valid_from", path="payload.valid_until")

    def _check_licence_revoked(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.LicenceRevoked)
        if payload.licence_no not in self._require_org(payload.org).licences:
            raise InvariantError("unknown_reference", f"{payload.org} holds no licence {payload.licence_no}")

    def _check_key_added(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.KeyAdded)
        self._require_org(payload.org)
        if payload.key_id in self.keys and sub.envelope.corrects is None:
            raise InvariantError("duplicate_key", f"key {payload.key_id} is already registered")
        self._new_key(payload.org, payload.key_id, payload.public_key, payload.valid_from, "payload")
        if payload.device is not None:
            device = self.devices.get(payload.device)
            if device is None or device.org != payload.org:
                raise AuthorizationError(
                    f"device {payload.device} is not registered to {payload.org}", code="relationship.missing"
                )

    def _check_key_revoked(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.KeyRevoked)
        record = self.keys.get(payload.key_id)
        if record is None or record.org != payload.org:
            raise InvariantError("unknown_reference", f"{payload.org} has no key {payload.key_id}")

    def _check_worker_certified(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.WorkerCertified)
        self._require_org(payload.org)
        if payload.cert_no in self.certs and sub.envelope.corrects is None:
            raise InvariantError("duplicate_number", f"certificate {payload.cert_no} is already recorded")

    def _check_certificate_revoked(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.WorkerCertificateRevoked)
        cert = self.certs.get(payload.cert_no)
        if cert is None or cert.org != payload.org:
            raise InvariantError("unknown_reference", f"{payload.org} holds no certificate {payload.cert_no}")

    def _check_device_registered(self, sub: Submission) -> None:
        payload = sub.payload_as(reg.DeviceRegistered)
        self._require_org(payload.org)
        if payload.terminal_id in self.devices and sub.envelope.corrects is None:
            raise InvariantError("duplicate_number", f"terminal {payload.terminal_id} is already registered")

    def _check_credit_rated(self, sub: Submission) -> None:
        self._require_org(sub.payload_as(reg.CreditRated).org)

    # --- applying accepted registry events ------------------------------------------------------------------

    def apply(self, sub: Submission) -> None:
        """Fold an accepted organization-stream event into the registry."""
        apply = _REGISTRY_APPLIERS.get(type(sub.payload))
        if apply is not None:
            apply(self, sub.payload)

    def _apply_genesis(self, p: reg.RegistryGenesis) -> None:
        self.genesis_org = p.org
        self.orgs[p.org] = Organization(p.org, p.name, frozenset({"regulator"}))
        self.keys[p.key_id] = self._new_key(p.org, p.key_id, p.public_key, p.valid_from, "payload")

    def _apply_org_registered(self, p: reg.OrganizationRegistered) -> None:
        previous = self.orgs.get(p.org)
        licences = previous.licences if previous else {}
        self.orgs[p.org] = Organization(p.org, p.name, frozenset(p.roles), p.district, p.maker_code, licences)

    def _apply_licence_granted(self, p: reg.LicenceGranted) -> None:
        self.orgs[p.org].licences[p.licence_no] = Licence(p.licence_no, p.kind, Validity(p.valid_from, p.valid_until))

    def _apply_licence_revoked(self, p: reg.LicenceRevoked) -> None:
        self.orgs[p.org].licences[p.licence_no].validity.revoked_at = p.revoked_at

    def _apply_key_added(self, p: reg.KeyAdded) -> None:
        self.keys[p.key_id] = self._new_key(
            p.org, p.key_id, p.public_key, p.valid_from, "payload", valid_until=p.valid_until, device=p.device
        )

    def _apply_key_revoked(self, p: reg.KeyRevoked) -> None:
        record = self.keys[p.key_id]
        if record.revoked_at is None or p.revoked_at < record.revoked_at:
            record.revoked_at = p.revoked_at

    def _apply_worker_certified(self, p: reg.WorkerCertified) -> None:
        self.certs[p.cert_no] = Certificate(p.cert_no, p.org, p.category, Validity(p.valid_from, p.valid_until))

    def _apply_certificate_revoked(self, p: reg.WorkerCertificateRevoked) -> None:
        self.certs[p.cert_no].validity.revoked_at = p.revoked_at

    def _apply_device_registered(self, p: reg.DeviceRegistered) -> None:
        self.devices[p.terminal_id] = Device(p.terminal_id, p.org, p.equipment_code)


_REGISTRY_CHECKS: dict[type, Callable[[Registry, Submission], None]] = {
    reg.OrganizationRegistered: Registry._check_org_registered,
    reg.LicenceGranted: Registry._check_licence_granted,
    reg.LicenceRevoked: Registry._check_licence_revoked,
    reg.KeyAdded: Registry._check_key_added,
    reg.KeyRevoked: Registry._check_key_revoked,
    reg.WorkerCertified: Registry._check_worker_certified,
    reg.WorkerCertificateRevoked: Registry._check_certificate_revoked,
    reg.DeviceRegistered: Registry._check_device_registered,
    reg.CreditRated: Registry._check_credit_rated,
}
# Each applier takes the payload model it is listed under (Any: a Callable type cannot say "the key's type").
_REGISTRY_APPLIERS: dict[type, Callable[[Registry, Any], None]] = {
    reg.RegistryGenesis: Registry._apply_genesis,
    reg.OrganizationRegistered: Registry._apply_org_registered,
    reg.LicenceGranted: Registry._apply_licence_granted,
    reg.LicenceRevoked: Registry._apply_licence_revoked,
    reg.KeyAdded: Registry._apply_key_added,
    reg.KeyRevoked: Registry._apply_key_revoked,
    reg.WorkerCertified: Registry._apply_worker_certified,
    reg.WorkerCertificateRevoked: Registry._apply_certificate_revoked,
    reg.DeviceRegistered: Registry._apply_device_registered,
}
