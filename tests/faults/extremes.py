"""Records whose dates sit at the calendar's ends, generated from the schemas: every date and instant field of every
elevator event type, at 0001-01-01 and 9999-12-31 (00:00:00Z and 23:59:59Z for instants).

Each case is the life of tests/faults/life.py up to one record, copied onto an elevator of its own, with one field
of that record set to one extreme — so the record is as authentic as the original (re-signed by its signer) and,
unless a rule refuses it, accepted in a context where it makes sense. A field found in no record of the life is a
field no test reaches: :func:`uncovered` names them, and the suite requires none.
"""

from __future__ import annotations

import collections.abc
import types
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin, get_type_hints

import orjson
from pydantic import BaseModel

from ledger.core.schema.catalog import CATALOG
from ledger.core.schema.types import Day, Instant
from tests.faults.life import CODE, Life

__all__ = ["EXTREMES", "Case", "cases", "date_fields", "uncovered"]

EXTREMES = {"date": ("0001-01-01", "9999-12-31"), "instant": ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z")}
Path = tuple[str, ...]  # field names, "*" for every item of a list or value of a map


def date_fields(model: type[BaseModel]) -> list[tuple[Path, str]]:
    """Every date ("date") and instant ("instant") field of ``model``, nested ones included."""
    found: list[tuple[Path, str]] = []
    for name, hint in get_type_hints(model, include_extras=True).items():
        found.extend(((name, *rest), kind) for rest, kind in _paths(hint))
    return found


def _paths(hint: Any) -> list[tuple[Path, str]]:
    if hint == Day:
        return [((), "date")]
    if hint == Instant:
        return [((), "instant")]
    origin = get_origin(hint)
    if origin is Annotated:
        return _paths(get_args(hint)[0])
    if origin in (Union, types.UnionType):
        return [p for arg in get_args(hint) for p in _paths(arg)]
    if origin in (list, tuple, collections.abc.Sequence):
        return [(("*", *rest), kind) for rest, kind in _paths(get_args(hint)[0])]
    if origin in (dict, collections.abc.Mapping):
        return [(("*", *rest), kind) for rest, kind in _paths(get_args(hint)[1])]
    if isinstance(hint, type) and issubclass(hint, BaseModel):
        return date_fields(hint)
    return []


@dataclass(frozen=True)
class Case:
    """One record of the life, on a copy of its elevator, with one date field at one extreme."""

    event_type: str
    path: Path
    value: str
    code: str  # the copy's equipment code
    envelopes: tuple[dict[str, Any], ...]  # registry additions, then the copied life; the poison is the last

    @property
    def name(self) -> str:
        return f"{self.event_type}.{'.'.join(self.path)}={self.value}"

    @property
    def poison(self) -> dict[str, Any]:
        return self.envelopes[-1]


def _set(target: Any, path: Path, value: str) -> bool:
    """Set ``path`` in ``target`` to ``value``; False if there is nothing there to set (an empty list, a missing
    parent). A missing last field is added: optional fields are poisoned too."""
    head, rest = path[0], path[1:]
    if head == "*":
        items = list(target.values()) if isinstance(target, dict) else target
        done = [_set(item, rest, value) for item in items] if rest else []  # every item, no short cut
        return bool(done) and all(done)
    if not rest:
        target[head] = value
        return True
    return head in target and _set(target[head], rest, value)


def cases(life: Life) -> Iterator[Case]:
    """Every (record of the life, date field, extreme) that can be set, each on an elevator of its own."""
    serial = 100
    for index, envelope in enumerate(life.events):
        spec = CATALOG[envelope["type"]]
        for path, kind in date_fields(spec.payload):
            for value in EXTREMES[kind]:
                payload = orjson.loads(orjson.dumps(envelope["payload"]))
                if not _set(payload, path, value):
                    continue
                serial += 1
                code = f"{CODE[:13]}{serial:05d}"
                yield Case(envelope["type"], path, value, code,
                           tuple(_copy(life, life.events[:index + 1], code, payload)))


def uncovered(life: Life) -> list[str]:
    """Date fields of elevator event types that no case reaches."""
    reached = {(c.event_type, c.path) for c in cases(life)}
    return sorted(f"{t}.{'.'.join(p)}" for t, spec in CATALOG.items() if spec.stream != "org"
                  for p, _ in date_fields(spec.payload) if (t, p) not in reached)


def _copy(life: Life, events: list[dict[str, Any]], code: str, last_payload: dict[str, Any]) -> list[dict[str, Any]]:
    """``events`` onto elevator ``code``: fresh event ids, references to earlier events moved along, the last
    record's payload replaced, all re-signed. An IoT terminal is fitted to the copy only if the poisoned record is
    the terminal's; the terminal's other records are left out (a terminal reports for one elevator)."""
    last = events[-1]
    terminal = "device" in last["actor"]
    out: list[dict[str, Any]] = []
    device = None
    if terminal:
        owner = life.world.orgs[last["actor"]["org"]]
        device = f"IOT-{code[-6:]}"
        before = len(life.world.events)
        life.world.terminal(owner, device, code)
        out.extend(life.world.events[before:])
    renamed: dict[str, str] = {}
    for envelope in events:
        if "device" in envelope["actor"] and envelope is not last:
            continue
        text = orjson.dumps(envelope).decode()
        for old, new in renamed.items():
            text = text.replace(old, new)
        copied = orjson.loads(text)
        copied["equipment_code"] = code
        if envelope is last:
            copied["payload"] = last_payload
            if device is not None:
                copied["actor"]["device"] = device
        signed = life.resign(copied)
        renamed[envelope["event_id"]] = signed["event_id"]
        out.append(signed)
    return out
