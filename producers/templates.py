"""Unsigned envelopes to start from: one per event type, filled for a given organization, elevator and time.

``liftledger template TYPE`` prints one, ready to edit or to pipe into ``liftledger sign``. A template is the
type's example (producers/examples.py) made the caller's: the recording organization in place of the example's,
every example date and time moved by the same offset so that the record happens at ``at`` (its periods keep their
lengths and order), and a maintenance visit covering every TSG T5002 item of its tier. Fields the caller must
decide (a contract number, the other party) are set with ``overrides``: ``{"payload.contract_no": "WB-1"}``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ledger.core.errors import SchemaError
from ledger.core.identifiers import date_from_text, format_instant, instant_from_text, local_date
from ledger.core.maintenance_items import items_for_tier
from ledger.core.schema import CATALOG, EventSpec
from producers.examples import ORG, SAMPLES, T1

__all__ = ["EventKind", "event_kinds", "template"]

_EXAMPLE_AT = instant_from_text(T1)
_EXAMPLE_DAY = local_date(_EXAMPLE_AT)


@dataclass(frozen=True, slots=True)
class EventKind:
    """What a person needs to know to record a type: who may, with which licence, on which stream."""

    type: str
    roles: dict[str, tuple[str, ...]]
    stream: str
    persons: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, "roles": {role: list(kinds) for role, kinds in self.roles.items()},
                "stream": self.stream, "persons": self.persons}


def event_kinds() -> list[EventKind]:
    """Every event type of the catalogue, in catalogue order."""
    return [EventKind(s.type, s.roles, s.stream, s.persons) for s in CATALOG.values()]


def template(event_type: str, *, org: str, at: int, role: str | None = None, equipment_code: str | None = None,
             persons: Sequence[Mapping[str, str]] = (), overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An unsigned envelope of ``event_type`` recorded by ``org`` at ``at`` (Unix seconds).

    Raises SchemaError (with the path) for an unknown type, a role that may not record it, a missing elevator code
    or people the type needs, and an override of a field path that cannot be set.
    """
    spec = CATALOG.get(event_type)
    if spec is None:
        raise SchemaError(f"unknown event type {event_type!r}; `liftledger template --list` lists them", path="type")
    role = role or next(iter(spec.roles))
    if role not in spec.roles:
        raise SchemaError(f"a {role} may not record {event_type} (may: {', '.join(spec.roles)})", path="actor.role")
    _check_persons(spec, persons)
    payload = _moved(copy.deepcopy(SAMPLES[event_type]), at - _EXAMPLE_AT, org)
    if event_type == "MaintenancePerformed":
        payload["results"] = dict.fromkeys(items_for_tier(payload["tier"]), "pass")
    actor: dict[str, Any] = {"org": org, "role": role}
    if persons:
        actor["persons"] = [dict(p) for p in persons]
    envelope: dict[str, Any] = {"type": event_type, "occurred_at": format_instant(at), "actor": actor,
                                "payload": payload}
    if spec.stream == "elevator" or (spec.stream == "either" and equipment_code):
        if not equipment_code:
            raise SchemaError(f"{event_type} is recorded on an elevator: give its 设备代码", path="equipment_code")
        envelope["equipment_code"] = equipment_code
    for path, value in (overrides or {}).items():
        _set(envelope, path, value)
    return envelope


def _check_persons(spec: EventSpec, persons: Sequence[Mapping[str, str]]) -> None:
    for person_role, needed in spec.persons.items():
        given = sum(1 for p in persons if p.get("role") == person_role)
        if given < needed:
            raise SchemaError(f"{spec.type} names at least {needed} {person_role} by certificate number "
                              f"(--person CERT_NO:{person_role})", path="actor.persons")


def _moved(value: Any, offset: int, org: str) -> Any:
    """The example with its times moved by ``offset`` seconds and its recording organization replaced."""
    if isinstance(value, dict):
        return {k: _moved(v, offset, org) for k, v in value.items()}
    if isinstance(value, list):
        return [_moved(v, offset, org) for v in value]
    if not isinstance(value, str):
        return value
    if value == ORG:
        return org
    try:
        return format_instant(instant_from_text(value) + offset)
    except ValueError:
        pass
    try:
        day = date_from_text(value)
    except ValueError:
        return value
    return (day + timedelta(days=(local_date(_EXAMPLE_AT + offset) - _EXAMPLE_DAY).days)).isoformat()


def _set(envelope: dict[str, Any], path: str, value: Any) -> None:
    """Set a dotted path (``payload.contract_no``, ``actor.role``); intermediate objects must exist."""
    *parents, name = path.split(".")
    target: Any = envelope
    for part in parents:
        target = target.get(part) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            raise SchemaError(f"cannot set {path}: {part} is not an object of this envelope", path=path)
    if not name:
        raise SchemaError(f"cannot set {path!r}: write PATH=VALUE, e.g. payload.contract_no=WB-1", path=path)
    target[name] = value
