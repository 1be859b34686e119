"""A maintenance company's system submitting its finished visits to LiftLedger: the Python SDK in 100 lines.

The company's own work-order system knows, for each visit, the elevator, the contract, the tier, when the crew
started and finished, who they were (by 作业人员证 number) and the result of each TSG T5002 item. This script turns
such work orders (JSON lines) into records signed with the company's key and posts them to the ledger's HTTP API::

    python examples/maintenance_company.py --url http://127.0.0.1:8000 --token "$TOKEN" \\
        --key maintainer.key --org 91310115MA00000022 work-orders.jsonl

One work order per line::

    {"order_no": "GD-2025-0001", "equipment_code": "311031001202400001", "contract_no": "WB-2025-001",
     "tier": "half_month", "started_at": "2025-03-01T01:00:00Z", "ended_at": "2025-03-01T01:45:00Z",
     "workers": ["T-0001", "T-0002"], "results": {"A-1-01": "pass", "…": "…"},
     "measurements": {"A-1-05": {"value": "7", "unit": "mm"}}}

``results`` may be left out: every item of the tier is then reported as passed. The record's ``event_id`` is made
from the work order number, so re-sending an order (after a timeout, a crash, a retry of the whole file) gives the
original receipt back as a ``duplicate`` — never a second record. The script prints one line per order and exits
1 if the ledger refused any, with the ledger's code (docs/API.md).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from ledger.adapters.keyfile import load_signing_key
from ledger.core.identifiers import instant_from_text
from ledger.core.maintenance_items import items_for_tier
from ledger.core.signing import new_event_id
from producers.client import Producer, worker
from producers.publish import HttpPublisher


def visit_record(company: Producer, order: dict[str, Any]) -> dict[str, Any]:
    """The signed MaintenancePerformed record of one finished work order."""
    payload: dict[str, Any] = {
        "contract_no": order["contract_no"], "tier": order["tier"],
        "started_at": order["started_at"], "ended_at": order["ended_at"],
        "results": order.get("results") or dict.fromkeys(items_for_tier(order["tier"]), "pass"),
    }
    if order.get("measurements"):
        payload["measurements"] = order["measurements"]
    return company.event("MaintenancePerformed", payload, equipment_code=order["equipment_code"],
                         occurred_at=order["ended_at"], persons=[worker(cert) for cert in order["workers"]],
                         event_id=_event_id(company.org, order))


def _event_id(org: str, order: dict[str, Any]) -> str:
    """A UUIDv7 fixed by the work order: its time is the visit's end, its randomness a digest of the order's number,
    so the same order always becomes the same record (the ledger's idempotency key)."""
    digest = hashlib.sha256(f"{org}:{order['order_no']}".encode()).digest()
    return new_event_id(instant_from_text(order["ended_at"]) * 1000, lambda n: digest[:n])


def submit(company: Producer, orders: Iterable[dict[str, Any]], publisher: HttpPublisher) -> Iterator[str]:
    """Sign and post every order; one line per order saying what the ledger did with it."""
    numbered = list(orders)
    for order in numbered:
        publisher.send(visit_record(company, order))
    for order, outcome in zip(numbered, publisher.flush(), strict=True):
        if outcome["status"] == "rejected":
            error = outcome["error"]
            path = error.get("details", {}).get("path")
            where = f" (at {path})" if path else ""
            yield f"{order['order_no']}: refused {error['code']}: {error['message']}{where}"
        else:
            yield f"{order['order_no']}: {outcome['status']} seq {outcome['seq']} hash {outcome['hash'][:16]}…"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Sign finished work orders and submit them to LiftLedger.")
    parser.add_argument("orders", help="work orders, one JSON object per line")
    parser.add_argument("--url", required=True, help="the ledger's HTTP API, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", required=True, help="the company's API token (liftledger tokens issue)")
    parser.add_argument("--key", required=True, help="the company's key file (liftledger keys new)")
    parser.add_argument("--org", required=True, help="the company's 统一社会信用代码")
    args = parser.parse_args(argv)

    company = Producer(args.org, "maintainer", load_signing_key(args.key))
    with open(args.orders, "rb") as source:
        orders = [orjson.loads(line) for line in source if line.strip()]
    refused = False
    with HttpPublisher(args.url, token=args.token) as publisher:
        for line in submit(company, orders, publisher):
            refused = refused or ": refused " in line
            print(line)
    return 1 if refused else 0


if __name__ == "__main__":
    sys.exit(main())
