"""Publishers: straight to a ledger service, and over HTTP to a tiny real server speaking the planned
``POST /v1/events`` contract (the HTTP API itself is built elsewhere; this server is the contract's stand-in)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest

from ledger.store import Store
from ledger.write.service import LedgerService
from producers.publish import HttpPublisher, LedgerPublisher, PublishError
from producers.scenario import Scenario


def _expected_statuses(scenario: Scenario) -> list[str]:
    return ["rejected" if e["event_id"] in scenario.expected else "accepted" for e in scenario.submissions]


def test_ledger_publisher_returns_one_outcome_per_envelope(scenario: Scenario, tmp_path: Any) -> None:
    with Store(f"sqlite:///{tmp_path}/l.sqlite", mode="create") as store:
        publisher = LedgerPublisher(LedgerService(store), batch_size=50)
        for envelope in scenario.submissions:
            publisher.send(envelope)
        outcomes = publisher.flush()
        assert [o["status"] for o in outcomes] == _expected_statuses(scenario)
        publisher.send(scenario.submissions[0])
        assert [o["status"] for o in publisher.flush()] == ["duplicate"]


class _Api:
    """POST /v1/events: one envelope or an array in, an array of outcomes out (Outcome.to_dict())."""

    def __init__(self, service: LedgerService) -> None:
        self.service = service
        self.lock = threading.Lock()
        self.fail_next = 0  # answer 503 this many times first
        self.requests = 0

    def handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with api.lock:
                    api.requests += 1
                    if api.fail_next:
                        api.fail_next -= 1
                        return self._reply(503, {"error": {"code": "unavailable", "message": "busy"}})
                    if self.path != "/v1/events":
                        return self._reply(404, {"error": {"code": "not_found", "message": self.path}})
                    decoded = orjson.loads(body)
                    items = decoded if isinstance(decoded, list) else [decoded]
                    outcomes = api.service.append_lines([orjson.dumps(item) for item in items])
                self._reply(200, [o.to_dict() for o in outcomes])

            def _reply(self, status: int, value: Any) -> None:
                data = orjson.dumps(value)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: Any) -> None:
                return None

        return Handler


@pytest.fixture
def api(tmp_path: Any) -> Iterator[tuple[str, _Api]]:
    store = Store(f"sqlite:///{tmp_path}/http.sqlite", mode="create")
    state = _Api(LedgerService(store))
    server = ThreadingHTTPServer(("127.0.0.1", 0), state.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", state
    server.shutdown()
    store.close()


def test_http_publisher_posts_batches_and_reads_the_outcomes(api: tuple[str, _Api], scenario: Scenario) -> None:
    url, state = api
    with HttpPublisher(url, batch_size=20) as publisher:
        for envelope in scenario.submissions:
            publisher.send(envelope)
        outcomes = publisher.flush()
    assert [o["status"] for o in outcomes] == _expected_statuses(scenario)
    assert state.requests == -(-len(scenario.submissions) // 20)


def test_http_publisher_retries_unavailable_and_resending_is_safe(api: tuple[str, _Api], scenario: Scenario) -> None:
    url, state = api
    state.fail_next = 2
    with HttpPublisher(url, backoff_s=0.01) as publisher:
        publisher.send(scenario.submissions[0])
        assert [o["status"] for o in publisher.flush()] == ["accepted"]
        publisher.send(scenario.submissions[0])
        assert [o["status"] for o in publisher.flush()] == ["duplicate"]
    state.fail_next = 10
    with HttpPublisher(url, attempts=2, backoff_s=0.01) as publisher:
        publisher.send(scenario.submissions[1])
        with pytest.raises(PublishError, match="after 2 attempts"):
            publisher.flush()
    state.fail_next = 0
    with HttpPublisher(url + "/elsewhere") as publisher:
        publisher.send(scenario.submissions[1])
        with pytest.raises(PublishError) as failed:
            publisher.flush()
        assert failed.value.code == "not_found"
