"""The registry acts as signed envelopes: what a registration authority (登记机关) records about organizations.

A :class:`RegistryDesk` is the regulator's signing identity (a :class:`~producers.client.Producer` in the role
``regulator``) with one method per act. Each method returns the envelopes of the act, signed and in the order the
ledger must receive them (an organization before its key, licences and certificates). Nothing here touches a store:
the envelopes go to ``liftledger append``, ``POST /v1/events`` or a publisher, like every other producer's.

    desk = RegistryDesk(Producer(regulator_org, "regulator", regulator_key))
    envelopes = desk.register_organization(
        "91310000MA0000006H", "安心电梯维保有限公司", ["maintainer"], district="浦东新区",
        public_key=maintainer_public_key, licences=[Licence("maintenance", "TS3310001", "2024-01-01", "2028-12-31")],
        workers=[Certificate("T-0001", "T", "2024-01-01", "2028-01-01")], at="2025-06-01T00:00:00Z")

An organization keeps its private key: the registry receives only the public key (``liftledger keys show``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledger.core.errors import SchemaError
from ledger.core.identifiers import format_instant, instant_from_text
from ledger.core.keys import PublicKey
from producers.client import Producer

__all__ = ["Certificate", "Licence", "RegistryDesk"]


@dataclass(frozen=True, slots=True)
class Licence:
    """A licence to grant (特种设备生产/检验许可): its kind, number and validity dates (YYYY-MM-DD)."""

    kind: str
    licence_no: str
    valid_from: str
    valid_until: str
    scope: str | None = None

    def payload(self, org: str) -> dict[str, Any]:
        out = {"org": org, "licence_no": self.licence_no, "kind": self.kind, "valid_from": self.valid_from,
               "valid_until": self.valid_until}
        return out if self.scope is None else {**out, "scope": self.scope}


@dataclass(frozen=True, slots=True)
class Certificate:
    """A person's certificate (作业人员证 and the like), held as an opaque number: no personal data."""

    cert_no: str
    category: str
    valid_from: str
    valid_until: str

    def payload(self, org: str) -> dict[str, Any]:
        return {"org": org, "cert_no": self.cert_no, "category": self.category, "valid_from": self.valid_from,
                "valid_until": self.valid_until}


class RegistryDesk:
    """The registry acts, signed by the regulator's producer. ``at`` is each act's ``occurred_at``."""

    def __init__(self, regulator: Producer) -> None:
        if regulator.role != "regulator":
            raise ValueError(f"registry acts are signed in the role regulator, not {regulator.role}")
        self.regulator = regulator

    # --- organizations ---------------------------------------------------------------------------------------

    def register_organization(
        self, org: str, name: str, roles: Sequence[str], *, at: str | int, district: str | None = None,
        maker_code: str | None = None, public_key: str | None = None, key_valid_from: str | int | None = None,
        licences: Sequence[Licence] = (), workers: Sequence[Certificate] = (),
    ) -> list[dict[str, Any]]:
        """OrganizationRegistered, then (when given) its key, its licences and its people's certificates."""
        payload: dict[str, Any] = {"org": org, "name": name, "roles": list(roles)}
        if district:
            payload["district"] = district
        if maker_code:
            payload["maker_code"] = maker_code
        out = [self._act("OrganizationRegistered", payload, at)]
        if public_key is not None:
            out += self.add_key(org, public_key, at=at, valid_from=key_valid_from)
        for licence in licences:
            out += self.grant_licence(org, licence, at=at)
        for worker in workers:
            out += self.certify(org, worker, at=at)
        return out

    def grant_licence(self, org: str, licence: Licence, *, at: str | int) -> list[dict[str, Any]]:
        return [self._act("LicenceGranted", licence.payload(org), at)]

    def revoke_licence(self, org: str, licence_no: str, reason: str, *, at: str | int) -> list[dict[str, Any]]:
        return [self._act("LicenceRevoked", {"org": org, "licence_no": licence_no, "revoked_at": _text(at),
                                             "reason": reason}, at)]

    # --- keys ------------------------------------------------------------------------------------------------

    def add_key(self, org: str, public_key: str, *, at: str | int, valid_from: str | int | None = None,
                valid_until: str | int | None = None, device: str | None = None) -> list[dict[str, Any]]:
        """KeyAdded for a public key (standard base64 of the raw 32 bytes); its key id is derived from it."""
        key = PublicKey.from_base64(public_key, path="public_key")
        payload: dict[str, Any] = {"org": org, "key_id": key.key_id, "public_key": key.base64,
                                   "valid_from": _text(at if valid_from is None else valid_from)}
        if valid_until is not None:
            payload["valid_until"] = _text(valid_until)
        if device is not None:
            payload["device"] = device
        return [self._act("KeyAdded", payload, at)]

    def revoke_key(self, org: str, key_id: str, reason: str, *, at: str | int,
                   revoked_at: str | int | None = None) -> list[dict[str, Any]]:
        """KeyRevoked: the key signs nothing from ``revoked_at`` (default: the act's own time) on."""
        return [self._act("KeyRevoked", {"org": org, "key_id": key_id,
                                         "revoked_at": _text(at if revoked_at is None else revoked_at),
                                         "reason": reason}, at)]

    def rotate_key(self, org: str, old_key_id: str, new_public_key: str, *, at: str | int,
                   reason: str = "密钥轮换 (key rotation)") -> list[dict[str, Any]]:
        """The new key valid from ``at``, then the old one revoked at ``at``: no instant without a valid key."""
        return [*self.add_key(org, new_public_key, at=at), *self.revoke_key(org, old_key_id, reason, at=at)]

    # --- people and devices ----------------------------------------------------------------------------------

    def certify(self, org: str, certificate: Certificate, *, at: str | int) -> list[dict[str, Any]]:
        return [self._act("WorkerCertified", certificate.payload(org), at)]

    def revoke_certificate(self, org: str, cert_no: str, reason: str, *, at: str | int) -> list[dict[str, Any]]:
        return [self._act("WorkerCertificateRevoked", {"org": org, "cert_no": cert_no, "revoked_at": _text(at),
                                                       "reason": reason}, at)]

    def register_device(self, org: str, terminal_id: str, equipment_code: str, public_key: str, *,
                        at: str | int) -> list[dict[str, Any]]:
        """An IoT terminal fitted to an elevator, with its own key that may sign only as that device."""
        return [self._act("DeviceRegistered", {"org": org, "terminal_id": terminal_id,
                                               "equipment_code": equipment_code}, at),
                *self.add_key(org, public_key, at=at, device=terminal_id)]

    # --- elevators -------------------------------------------------------------------------------------------

    def register_elevator(self, code: str, *, at: str | int, registration_no: str, user_unit: str,
                          site_category: str, district: str, address: str, rescue_code: str | None = None,
                          registration_code: str | None = None, area: str | None = None,
                          repair_fund: bool | None = None, change: bool = False) -> list[dict[str, Any]]:
        """使用登记 (Registered) of an elevator whose manufacture or baseline is on the ledger."""
        payload: dict[str, Any] = {"registration_no": registration_no, "user_unit": user_unit,
                                   "site_category": site_category, "district": district, "address": address}
        optional = {"rescue_code": rescue_code, "registration_code": registration_code, "area": area,
                    "repair_fund": repair_fund}
        payload.update({name: value for name, value in optional.items() if value is not None})
        if change:
            payload["change"] = True
        return [self._act("Registered", payload, at, code=code)]

    def _act(self, event_type: str, payload: dict[str, Any], at: str | int, *,
             code: str | None = None) -> dict[str, Any]:
        return self.regulator.event(event_type, payload, occurred_at=at, equipment_code=code)


def _text(when: str | int) -> str:
    """An instant as signed text; a text instant is checked here, so a typo fails before anything is signed."""
    if isinstance(when, int):
        return format_instant(when)
    try:
        instant_from_text(when)
    except ValueError as e:
        raise SchemaError(f"{when!r}: {e}") from None
    return when
