"""Which Kafka partition an envelope must reach so that every event is consumed after what it depends on.

Kafka orders records only within a partition, and an ingest worker may read partitions in any order. Two kinds of
dependency matter to the ledger:

- **An elevator's own history** (a maintenance record needs the contract before it): every event about an
  elevator is keyed by its 设备代码, so one elevator's events share a partition and keep their order.
- **The registry** (every event needs its signer's key, organization, licence and certificates to be recorded
  first): registry events are *broadcast* — sent to every partition. Whatever partition a later event lands in, a
  copy of each registry event acknowledged before it was produced sits ahead of it there. The first copy consumed
  is appended; the others are duplicates of the same ``event_id`` and are recognized as such by the ledger.

Two registry events need no broadcast: a terminal's ``DeviceRegistered`` and the device's own ``KeyAdded`` are
keyed by the elevator the terminal is fitted to, which is the only stream that depends on them. ``CreditRated``
and organization-level ``PenaltyImposed`` are depended on by nothing and are keyed by their organization.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["BROADCAST_TYPES", "Route", "Router"]

# Registry events other events can depend on (keys, organizations, roles, licences, certificates).
BROADCAST_TYPES: frozenset[str] = frozenset({
    "RegistryGenesis", "OrganizationRegistered", "LicenceGranted", "LicenceRevoked", "KeyAdded", "KeyRevoked",
    "WorkerCertified", "WorkerCertificateRevoked",
})


@dataclass(frozen=True, slots=True)
class Route:
    """The record key (UTF-8 of an equipment code or a USCC) and whether to copy the record to every partition."""

    key: str
    broadcast: bool = False


class Router:
    """Routes envelopes in publication order; remembers which elevator each registered terminal is fitted to."""

    def __init__(self) -> None:
        self.device_elevator: dict[str, str] = {}

    def route(self, envelope: dict[str, Any]) -> Route:
        code = envelope.get("equipment_code")
        if isinstance(code, str):
            return Route(code)
        payload = envelope.get("payload")
        payload = payload if isinstance(payload, dict) else {}
        event_type = envelope.get("type")
        if event_type == "DeviceRegistered" and isinstance(payload.get("equipment_code"), str):
            self.device_elevator[str(payload.get("terminal_id"))] = payload["equipment_code"]
            return Route(payload["equipment_code"])
        if event_type == "KeyAdded" and payload.get("device") in self.device_elevator:
            return Route(self.device_elevator[payload["device"]])
        key = payload.get("org") or payload.get("party") or _actor_org(envelope)
        return Route(str(key), broadcast=event_type in BROADCAST_TYPES)


def _actor_org(envelope: dict[str, Any]) -> str:
    actor = envelope.get("actor")
    return str(actor.get("org", "")) if isinstance(actor, dict) else ""
