"""Over real HTTP: the producers' HTTP publisher (producers.publish.http) against ``liftledger serve``."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import httpx
import orjson

from ledger.adapters.keyfile import write_signing_key
from ledger.store import Store
from ledger.store.transparency import TransparencyLog
from ledger.tlog.checkpoint import WitnessSigner, open_checkpoint
from producers.publish.http import HttpPublisher
from tests.api.live import REPO, LiveServer
from tests.api.world import ELEVATOR_A, WITNESS_NAME


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


def test_the_operator_collects_the_served_witness_s_cosignature_once_and_in_rounds(
        live: LiveServer, tmp_path: Path) -> None:
    world = live.world
    key_file = tmp_path / "operator.key"
    write_signing_key(world.operator, key_file)
    base = [sys.executable, "-m", "api.cli", "checkpoint", "--store", world.url, "--operator-key", str(key_file),
            "--witness", live.url, world.witness_signer.vkey()]
    once = subprocess.run([*base, "--json"], cwd=REPO, capture_output=True, timeout=60, check=False)
    assert once.returncode == 0, once.stderr.decode()
    (outcome,) = orjson.loads(once.stdout)["witnesses"]
    assert outcome["cosigned"] and outcome["witness"] == WITNESS_NAME
    rounds = subprocess.Popen([*base, "--every", "0.2"], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        first = orjson.loads(rounds.stdout.readline())  # type: ignore[union-attr]
        second = orjson.loads(rounds.stdout.readline())  # type: ignore[union-attr]
    finally:
        rounds.send_signal(signal.SIGTERM)
        assert rounds.wait(timeout=30) == 0
    assert first["witnesses"][0]["cosigned"] and second == first  # the log did not grow: nothing new to sign
    note = httpx.get(f"{live.url}/v1/log/checkpoint").text
    with Store(world.url) as store:
        open_checkpoint(note, TransparencyLog(store).operator, witnesses=[world.witness_signer.verifier()],
                        min_witnesses=1)
    refused = subprocess.run([*base[:-1], WitnessSigner.from_seed("someone.else/w", bytes(32)).vkey()],
                             cwd=REPO, capture_output=True, timeout=60, check=False)
    assert refused.returncode == 1 and b"someone.else/w" in refused.stderr + refused.stdout
