"""Over real HTTP: the producers' HTTP publisher (producers.publish.http) against ``liftledger serve``."""

from __future__ import annotations

import httpx

from producers.publish.http import HttpPublisher
from tests.api.live import LiveServer
from tests.api.world import ELEVATOR_A


def test_the_http_publisher_appends_through_the_api(live: LiveServer) -> None:
    m = live.world.orgs["maintainer"]
    envelopes = [m.as_("maintainer").event("MaintenancePerformed", {
        "contract_no": "WB-2018-031", "tier": "half_month", "started_at": f"2024-06-{day}T01:15:00Z",
        "ended_at": f"2024-06-{day}T02:00:00Z", "results": {"A-1-01": "pass"},
    }, equipment_code=ELEVATOR_A, occurred_at=f"2024-06-{day}T02:00:00Z", persons=m.persons("worker", 2))
        for day in (18, 19, 20)]
    with HttpPublisher(live.url, token=live.world.tokens["maintainer"], batch_size=2) as publisher:
        for envelope in envelopes:
            publisher.send(envelope)
        outcomes = publisher.flush()
        assert [o["status"] for o in outcomes] == ["accepted"] * 3
        publisher.send(envelopes[0])
        assert publisher.flush()[0]["status"] == "duplicate"
    events = httpx.get(f"{live.url}/v1/elevators/{ELEVATOR_A}/events", params={"type": "MaintenancePerformed",
                                                                                "limit": 500},
                       headers=live.world.auth("maintainer")).json()["items"]
    assert {e["event_id"] for e in envelopes} <= {e["event_id"] for e in events}


def test_openapi_document_is_served(live: LiveServer) -> None:
    document = httpx.get(f"{live.url}/openapi.json").json()
    assert document["info"]["version"] == "1.0.0" and "/v1/events" in document["paths"]
    assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
