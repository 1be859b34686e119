"""The IoT adapter: GB/T 24476-style terminal messages in, events signed by the terminal's own device key out.

A terminal (GB/T 24476-2017; GB/T 42616-2023 for the terminal side) reports faults, service-mode events, alarms
and run statistics. One message is one JSON object::

    {"terminal_id": "IOT-PD-000001", "time": "2024-05-06T19:02:10+08:00", "code": 3,
     "floor": 7, "door_zone": 1, "service_mode": 1, "passengers": 1}

- ``time`` is RFC 3339 with an offset (``Z`` or ``±hh:mm``; a fraction of a second is dropped) or integer Unix
  milliseconds; a time without an offset is refused, because a terminal's local clock zone cannot be guessed.
- ``code`` selects the event: a fault code (1-8, 61-65, LiftLedger's 101-108) → ``FaultReported``; a service-mode
  event (40-47) or the alarm button (90) → ``TerminalEventReported``. ``kind`` ("fault", "event", "alarm",
  "statistics") is optional and, when present, must agree with the code.
- ``kind: "statistics"`` with ``period_start``, ``period_end``, ``run_count``, ``run_seconds`` and optionally
  ``door_cycles`` → ``RunStatisticsReported``.
- ``floor`` (-20…300), ``door_zone`` and ``passengers`` (true/false or 1/0) and ``service_mode`` (0-7) are
  optional. Other fields (signal strength, vendor extras) are ignored: they are not the terminal's testimony.

A message the adapter cannot turn into a valid event raises :class:`~ledger.core.errors.SchemaError` with a reason
code — ``iot.malformed`` (with the offending field as ``path``), ``iot.unknown_code`` or
``iot.unknown_terminal`` — and is never signed. The event id is derived from the message itself, so a terminal
that retransmits a message produces the same ``event_id`` and the ledger sees a duplicate, not a second fault.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from ledger.core.errors import SchemaError
from ledger.core.gbt24476 import ALARM_CODES, EVENT_CODES, FAULT_CODES, SERVICE_MODES
from ledger.core.identifiers import format_instant
from ledger.core.signing import new_event_id
from producers.client import Producer

__all__ = ["IotAdapter", "Terminal", "terminal_message"]

_ID_DOMAIN = b"liftledger/iot/v1\n"
_MAX_MESSAGE_BYTES = 16 * 1024


@dataclass(frozen=True, slots=True)
class Terminal:
    """A registered terminal: its id, the elevator it is fitted to, and a producer holding its device key."""

    terminal_id: str
    equipment_code: str
    producer: Producer


def terminal_message(terminal_id: str, when: int, code: int | None = None, **fields: Any) -> dict[str, Any]:
    """A terminal message as a GB/T 24476 terminal would send it (times in China's local time, UTC+8)."""
    message: dict[str, Any] = {"terminal_id": terminal_id, "time": _local_rfc3339(when)}
    if code is not None:
        message["code"] = code
    message.update(fields)
    return message


class IotAdapter:
    def __init__(self, terminals: Iterable[Terminal]) -> None:
        self.terminals = {t.terminal_id: t for t in terminals}

    def add(self, terminal: Terminal) -> None:
        self.terminals[terminal.terminal_id] = terminal

    def convert(self, message: dict[str, Any] | bytes | str) -> dict[str, Any]:
        """The signed envelope for one message; raises SchemaError (code ``iot.*``) if it cannot be one."""
        body = _decode(message)
        terminal = self._terminal(body)
        event_type, payload, occurred_at = _event_for(body)
        event_id = _event_id(terminal.terminal_id, event_type, payload, occurred_at, body.get("seq"))
        return terminal.producer.event(event_type, payload, occurred_at=occurred_at,
                                       equipment_code=terminal.equipment_code, event_id=event_id)

    def convert_lines(self, lines: Iterable[bytes | str]) -> Iterator[dict[str, Any] | SchemaError]:
        """Each line's envelope, or the error that refused it, in order."""
        for line in lines:
            try:
                yield self.convert(line)
            except SchemaError as e:
                yield e

    def _terminal(self, body: dict[str, Any]) -> Terminal:
        terminal_id = body.get("terminal_id")
        if not isinstance(terminal_id, str) or not terminal_id:
            raise _malformed("terminal_id is missing or not a string", "terminal_id")
        terminal = self.terminals.get(terminal_id)
        if terminal is None:
            raise SchemaError(f"terminal {terminal_id} is not registered with this adapter", path="terminal_id",
                              code="iot.unknown_terminal")
        return terminal


def _decode(message: dict[str, Any] | bytes | str) -> dict[str, Any]:
    if isinstance(message, dict):
        return message
    if len(message) > _MAX_MESSAGE_BYTES:
        raise _malformed(f"message is larger than {_MAX_MESSAGE_BYTES} bytes", "")
    try:
        body = orjson.loads(message)
    except orjson.JSONDecodeError as e:
        raise _malformed(f"not valid JSON: {e}", "") from None
    if not isinstance(body, dict):
        raise _malformed("a terminal message is a JSON object", "")
    return body


def _event_for(body: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    kind = body.get("kind")
    if kind is not None and kind not in ("fault", "event", "alarm", "statistics"):
        raise _malformed(f"kind {kind!r} is not fault, event, alarm or statistics", "kind")
    if kind == "statistics":
        return _statistics(body)
    code = body.get("code")
    if type(code) is not int:
        raise _malformed("code is missing or not an integer", "code")
    code_kind = "fault" if code in FAULT_CODES else "event" if code in EVENT_CODES else \
        "alarm" if code in ALARM_CODES else None
    if code_kind is None:
        raise SchemaError(f"code {code} is not a GB/T 24476 fault, event or alarm code known to LiftLedger",
                          path="code", code="iot.unknown_code")
    if kind is not None and kind != code_kind:
        raise _malformed(f"code {code} is a {code_kind} code, not a {kind} code", "kind")
    when = _instant(body.get("time"), "time")
    if code_kind == "fault":
        return "FaultReported", _fault_payload(body, code), when
    return "TerminalEventReported", _status_fields(body, {"code": code}, ("service_mode", "floor")), when


def _fault_payload(body: dict[str, Any], code: int) -> dict[str, Any]:
    payload = _status_fields(body, {"source": "iot", "code": code}, ("floor", "door_zone", "service_mode"))
    passengers = _flag(body, "passengers")
    if passengers is not None:
        payload["passengers_present"] = passengers
    return payload


def _status_fields(body: dict[str, Any], payload: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    for name in names:
        value: bool | int | None
        if name == "door_zone":
            value = _flag(body, name)
        elif name == "floor":
            value = _int(body, name, -20, 300)
        else:
            value = _int(body, name, 0, max(SERVICE_MODES))
        if value is not None:
            payload[name] = value
    return payload


def _statistics(body: dict[str, Any]) -> tuple[str, dict[str, Any], int]:
    start, end = _instant(body.get("period_start"), "period_start"), _instant(body.get("period_end"), "period_end")
    if end <= start:
        raise _malformed("period_end must be after period_start", "period_end")
    payload: dict[str, Any] = {"period_start": format_instant(start), "period_end": format_instant(end)}
    for name in ("run_count", "run_seconds", "door_cycles"):
        value = _int(body, name, 0, 10**9)
        if value is None and name != "door_cycles":
            raise _malformed(f"{name} is missing", name)
        if value is not None:
            payload[name] = value
    return "RunStatisticsReported", payload, end


def _int(body: dict[str, Any], name: str, low: int, high: int) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if type(value) is not int or not low <= value <= high:
        raise _malformed(f"{name} must be an integer in [{low}, {high}]", name)
    return value


def _flag(body: dict[str, Any], name: str) -> bool | None:
    value = body.get(name)
    if value is None:
        return None
    if value in (0, 1) and type(value) in (int, bool):
        return bool(value)
    raise _malformed(f"{name} must be true/false or 1/0", name)


def _instant(value: Any, name: str) -> int:
    """Unix seconds from RFC 3339 with an offset or from integer milliseconds."""
    if type(value) is int:
        if not 0 <= value < 2**47:
            raise _malformed(f"{name} in milliseconds is out of range", name)
        return value // 1000
    if not isinstance(value, str):
        raise _malformed(f"{name} is missing (RFC 3339 with offset, or Unix milliseconds)", name)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise _malformed(f"{name} {value!r} is not RFC 3339", name) from None
    if parsed.tzinfo is None:
        raise _malformed(f"{name} {value!r} has no UTC offset", name)
    return int(parsed.timestamp())


def _event_id(terminal_id: str, event_type: str, payload: dict[str, Any], when: int, seq: Any) -> str:
    """UUIDv7 at the message's time, its random bits a digest of the message: a retransmission is a duplicate."""
    facts = {"terminal_id": terminal_id, "type": event_type, "payload": payload, "at": when}
    if type(seq) is int or isinstance(seq, str):
        facts["seq"] = seq
    digest = hashlib.sha256(_ID_DOMAIN + orjson.dumps(facts, option=orjson.OPT_SORT_KEYS)).digest()
    return new_event_id(when * 1000, lambda n: digest[:n])


def _local_rfc3339(when: int) -> str:
    """China's local time (UTC+8), as terminals usually report it."""
    local = format_instant(when + 8 * 3600)
    return local[:-1] + "+08:00"


def _malformed(message: str, path: str) -> SchemaError:
    return SchemaError(message, path=path, code="iot.malformed")
