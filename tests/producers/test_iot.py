"""The IoT adapter: terminal messages become events signed by the terminal's own device key, which the ledger
accepts; unknown codes and malformed messages are refused with a reason; a retransmission is a duplicate."""

from __future__ import annotations

from collections.abc import Iterator

import orjson
import pytest

from ledger.core.errors import SchemaError
from producers.iot import IotAdapter, Terminal, terminal_message
from tests.harness import CODE, Ledger

WHEN = 1_714_993_330  # 2024-05-06T11:02:10Z


@pytest.fixture
def ledger(tmp_path) -> Iterator[Ledger]:  # type: ignore[no-untyped-def]
    harness = Ledger(f"sqlite:///{tmp_path}/ledger.sqlite")
    harness.in_service()
    before = len(harness.world.events)
    device = harness.world.terminal(harness.maintainer, "IOT-1", CODE)
    harness.must_accept(*harness.world.events[before:])
    harness.adapter = IotAdapter([Terminal("IOT-1", CODE, device)])  # type: ignore[attr-defined]
    yield harness
    harness.close()


def test_faults_events_alarms_and_statistics_become_accepted_signed_events(ledger: Ledger) -> None:
    adapter: IotAdapter = ledger.adapter  # type: ignore[attr-defined]
    messages = [
        terminal_message("IOT-1", WHEN, 3, floor=7, door_zone=1, service_mode=1, passengers=1),
        terminal_message("IOT-1", WHEN + 60, 43, service_mode=2, floor=1, rssi=-71),  # vendor extras are ignored
        {"terminal_id": "IOT-1", "time": (WHEN + 120) * 1000, "code": 90, "kind": "alarm", "floor": 3},
        {"terminal_id": "IOT-1", "kind": "statistics", "period_start": "2024-04-01T00:00:00+08:00",
         "period_end": "2024-05-01T00:00:00+08:00", "run_count": 15_000, "run_seconds": 420_000},
    ]
    envelopes = [adapter.convert(orjson.dumps(m)) for m in messages]
    assert [e["type"] for e in envelopes] == ["FaultReported", "TerminalEventReported", "TerminalEventReported",
                                              "RunStatisticsReported"]
    fault = envelopes[0]
    assert fault["occurred_at"] == "2024-05-06T11:02:10Z" and fault["actor"]["device"] == "IOT-1"
    assert fault["payload"] == {"source": "iot", "code": 3, "floor": 7, "door_zone": True, "service_mode": 1,
                                "passengers_present": True}
    assert "rssi" not in orjson.dumps(envelopes[1]).decode()
    assert envelopes[3]["payload"]["period_end"] == "2024-04-30T16:00:00Z"
    ledger.must_accept(*envelopes)


def test_a_retransmitted_message_is_the_same_event_and_a_duplicate(ledger: Ledger) -> None:
    adapter: IotAdapter = ledger.adapter  # type: ignore[attr-defined]
    message = terminal_message("IOT-1", WHEN, 1, floor=2, service_mode=1)
    first, again = adapter.convert(message), adapter.convert(dict(message))
    assert first["event_id"] == again["event_id"]
    assert adapter.convert({**message, "seq": 2})["event_id"] != first["event_id"]
    ledger.must_accept(first)
    assert ledger.append(again)[0].duplicate


@pytest.mark.parametrize(("message", "code", "path"), [
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00", "code": 99}, "iot.unknown_code", "code"),
    ({"terminal_id": "IOT-9", "time": "2024-05-06T19:02:10+08:00", "code": 3}, "iot.unknown_terminal",
     "terminal_id"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06 19:02:10", "code": 3}, "iot.malformed", "time"),
    ({"terminal_id": "IOT-1", "time": "yesterday", "code": 3}, "iot.malformed", "time"),
    ({"terminal_id": "IOT-1", "code": 3}, "iot.malformed", "time"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00"}, "iot.malformed", "code"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00", "code": "3"}, "iot.malformed", "code"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00", "code": 3, "floor": 500}, "iot.malformed",
     "floor"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00", "code": 3, "door_zone": "yes"},
     "iot.malformed", "door_zone"),
    ({"terminal_id": "IOT-1", "time": "2024-05-06T19:02:10+08:00", "code": 43, "kind": "fault"}, "iot.malformed",
     "kind"),
    ({"terminal_id": "IOT-1", "kind": "statistics", "period_start": "2024-05-01T00:00:00Z",
      "period_end": "2024-04-01T00:00:00Z", "run_count": 1, "run_seconds": 1}, "iot.malformed", "period_end"),
    ([1, 2, 3], "iot.malformed", ""),
    (b"{not json", "iot.malformed", ""),
])
def test_unknown_codes_and_malformed_messages_are_refused_with_a_reason(
    ledger: Ledger, message: object, code: str, path: str,
) -> None:
    adapter: IotAdapter = ledger.adapter  # type: ignore[attr-defined]
    raw = message if isinstance(message, bytes) else orjson.dumps(message)
    with pytest.raises(SchemaError) as refused:
        adapter.convert(raw)
    assert (refused.value.code, refused.value.path) == (code, path)
    assert refused.value.message
