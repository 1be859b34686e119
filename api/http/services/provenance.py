"""Provenance: an elevator's records with their place in the chain and the log, and verification status.

Every record is shown as stored — the signed envelope, its ``seq``, ``prev_hash`` and ``hash`` in the elevator's
chain, its ``position`` in the ledger and ``leaf`` in the Merkle log, and its signer with the organization's
registered name. Verification is recomputed, not trusted: per elevator, the chain hashes and the gap-free ``seq``
from the stored bytes, each Ed25519 signature against the registered key, and the records' inclusion under the
latest signed checkpoint; for the whole store, :func:`ledger.store.verify.verify_store` runs in the background.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from api.http.services.access import ElevatorRows
from api.http.services.context import LedgerContext
from ledger.core.chain import GENESIS_HASH
from ledger.core.errors import LedgerError, NotFoundError
from ledger.core.identifiers import format_instant
from ledger.core.registry import Registry
from ledger.core.submission import parse_line
from ledger.store import IndexRow
from ledger.store.verify import VerifyReport, verify_store
from ledger.tlog.checkpoint import open_checkpoint
from ledger.tlog.leaf import record_leaf_hash
from ledger.tlog.merkle import inclusion_proof, verify_inclusion

__all__ = ["EventFilter", "ProvenanceService", "RecordCheck", "StoreVerification"]


@dataclass(frozen=True, slots=True)
class EventFilter:
    after_seq: int = 0
    limit: int = 50
    types: frozenset[str] = frozenset()
    since: int | None = None
    until: int | None = None

    def admits(self, row: IndexRow) -> bool:
        return (row.seq > self.after_seq and (not self.types or row.type in self.types)
                and (self.since is None or row.occurred_at >= self.since)
                and (self.until is None or row.occurred_at <= self.until))


@dataclass(frozen=True, slots=True)
class RecordCheck:
    """What was recomputed for one record."""

    chain: bool
    signature: bool
    logged: bool
    problem: str | None = None

    @property
    def verified(self) -> bool:
        return self.chain and self.signature and self.logged

    def to_dict(self) -> dict[str, Any]:
        return {"verified": self.verified, "chain": self.chain, "signature": self.signature, "logged": self.logged,
                "problem": self.problem}


class ProvenanceService:
    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx
        self.store_check = StoreVerification(ctx)

    def events(self, code: str, rows: ElevatorRows, query: EventFilter) -> dict[str, Any]:
        """A page of the elevator's records (after ``after_seq``), filtered, with chain and signer."""
        registry = self.ctx.registry()
        items: list[dict[str, Any]] = []
        previous = GENESIS_HASH
        more = False
        for row, record in rows:
            if query.admits(row):
                if len(items) == query.limit:
                    more = True
                    break
                items.append(_event_item(row, record, previous, registry))
            previous = row.hash
        next_seq = items[-1]["seq"] if more and items else None
        return {"equipment_code": code, "items": items, "next_after_seq": next_seq}

    def checks(self, rows: ElevatorRows) -> dict[str, Any]:
        """Recompute the elevator's chain, signatures and log inclusion; per record and in sum."""
        registry = self.ctx.registry()
        checkpoint = self.checkpoint()
        size = checkpoint["size"] if checkpoint and checkpoint["verified"] else 0
        results = list(_check_records(rows, registry, size))
        first = next(((stored.row, check) for stored, check in zip(rows, results, strict=True) if not check.verified),
                     None)
        proof_ok = self._newest_proof(rows, size, checkpoint)
        return {
            "ok": first is None and proof_ok is not False,
            "events": len(rows),
            "chain_ok": all(c.chain for c in results),
            "signatures_ok": all(c.signature for c in results),
            "logged": sum(1 for c in results if c.logged),
            "checkpoint": checkpoint,
            "newest_logged_proof_ok": proof_ok,
            "first_problem": None if first is None else _problem(*first),
            "records": [{"seq": row.seq, "event_id": row.event_id, **check.to_dict()}
                        for (row, _), check in zip(rows, results, strict=True)],
        }

    def checkpoint(self) -> dict[str, Any] | None:
        """The latest checkpoint, verified with the operator's key (None before the first one)."""
        try:
            issued = self.ctx.log.latest()
            open_checkpoint(issued.note, self.ctx.log.operator)
        except NotFoundError:
            return None  # no checkpoint yet
        except LedgerError as e:
            return {"verified": False, "problem": e.to_dict(), "size": 0}
        return {"verified": True, "checkpoint_id": issued.checkpoint_id, "size": issued.size,
                "root_hash": issued.checkpoint.root_hash.hex(), "origin": issued.checkpoint.origin,
                "issued_at": format_instant(issued.issued_at)}

    def record(self, rows: ElevatorRows, event_id: str) -> dict[str, Any]:
        """One record of a stream as a person checks it: its content, its place in the chain, its signer and the
        key's state then and now, the chain and signature recomputed, and its inclusion proof in the log verified
        against the latest signed checkpoint (a record newer than that checkpoint has no proof yet)."""
        registry = self.ctx.registry()
        checkpoint = self.checkpoint()
        size = checkpoint["size"] if checkpoint and checkpoint["verified"] else 0
        previous = GENESIS_HASH
        for (row, record), check in zip(rows, _check_records(rows, registry, size), strict=True):
            if row.event_id != event_id:
                previous = row.hash
                continue
            item = _event_item(row, record, previous, registry)
            key = registry.keys.get(str(item["record"].get("key_id")))
            problem_then = key.problem_at(row.occurred_at) if key is not None else None
            problem_now = key.problem_at(self.ctx.now()) if key is not None else None
            return {
                **item, "recorded_at": format_instant(row.recorded_at), "check": check.to_dict(),
                "key": None if key is None else {
                    "key_id": key.key_id, "org": key.org, "public_key": key.public.base64,
                    "valid_from": format_instant(key.valid_from),
                    "revoked_at": format_instant(key.revoked_at) if key.revoked_at is not None else None,
                    "active_then": problem_then is None, "active_now": problem_now is None},
                "proof": self._proof(row, size, checkpoint), "checkpoint": checkpoint,
            }
        raise NotFoundError(f"no event {event_id} in this stream", code="event.unknown")

    def _proof(self, row: IndexRow, size: int, checkpoint: dict[str, Any] | None) -> dict[str, Any] | None:
        if checkpoint is None or row.leaf >= size:
            return None
        hashes = inclusion_proof(row.leaf, size, self.ctx.store.tree)
        leaf = record_leaf_hash(row.hash, row.recorded_at)
        try:
            verify_inclusion(leaf, row.leaf, size, hashes, bytes.fromhex(checkpoint["root_hash"]))
            verified = True
        except LedgerError:
            verified = False
        return {"leaf": row.leaf, "tree_size": size, "leaf_hash": leaf.hex(), "hashes": [h.hex() for h in hashes],
                "root_hash": checkpoint["root_hash"], "verified": verified}

    def _newest_proof(self, rows: ElevatorRows, size: int, checkpoint: dict[str, Any] | None) -> bool | None:
        """Verify an RFC 9162 inclusion proof of the newest logged record against the checkpoint's root."""
        logged = [row for row, _ in rows if row.leaf < size]
        if not logged or checkpoint is None:
            return None
        row = logged[-1]
        try:
            proof = inclusion_proof(row.leaf, size, self.ctx.store.tree)
            leaf = record_leaf_hash(row.hash, row.recorded_at)
            verify_inclusion(leaf, row.leaf, size, proof, bytes.fromhex(checkpoint["root_hash"]))
        except LedgerError:
            return False
        return True


def _problem(row: IndexRow, check: RecordCheck) -> dict[str, Any]:
    return {"seq": row.seq, "event_id": row.event_id, "problem": check.problem}


def _event_item(row: IndexRow, record: bytes, previous: bytes, registry: Registry) -> dict[str, Any]:
    envelope = orjson.loads(record)
    actor = envelope.get("actor", {})
    org = registry.orgs.get(row.org)
    signer: dict[str, Any] = {"org": row.org, "name": org.name if org else None, "role": actor.get("role"),
                              "key_id": envelope.get("key_id")}
    if actor.get("device"):
        signer["device"] = actor["device"]
    return {
        "seq": row.seq, "position": row.position, "leaf": row.leaf, "event_id": row.event_id, "type": row.type,
        "occurred_at": format_instant(row.occurred_at), "signer": signer, "prev_hash": previous.hex(),
        "hash": row.hash.hex(), "record": envelope,
    }


def _check_records(rows: ElevatorRows, registry: Registry, size: int) -> Iterable[RecordCheck]:
    previous, expected_seq = GENESIS_HASH, 1
    for row, record in rows:
        chain = row.seq == expected_seq and hashlib.sha256(previous + record).digest() == row.hash
        signature, problem = _signature(record, registry)
        if not chain:
            problem = f"chain: seq {row.seq} does not follow {expected_seq - 1} or its hash does not recompute"
        yield RecordCheck(chain, signature, row.leaf < size, problem if not (chain and signature) else
                          (None if row.leaf < size else "not yet under a signed checkpoint"))
        previous, expected_seq = row.hash, row.seq + 1


def _signature(record: bytes, registry: Registry) -> tuple[bool, str | None]:
    """Ed25519 over the signing bytes, with the registered key of the signer's organization."""
    try:
        sub = parse_line(record)
    except LedgerError as e:
        return False, f"record does not parse: {e.code}"
    key = registry.keys.get(sub.envelope.key_id)
    if key is None or key.org != sub.org:
        return False, f"key {sub.envelope.key_id} is not a registered key of {sub.org}"
    if not key.public.is_valid_signature(sub.signature, sub.signing):
        return False, "signature does not verify"
    return True, None


@dataclass
class _Run:
    state: str = "idle"  # idle | running | done | failed
    started_at: int | None = None
    finished_at: int | None = None
    report: VerifyReport | None = None
    error: dict[str, Any] | None = None


class StoreVerification:
    """One background run of the full store verification at a time; its latest result is kept in memory."""

    def __init__(self, ctx: LedgerContext) -> None:
        self.ctx = ctx
        self._run = _Run()
        self._lock = threading.Lock()

    def start(self) -> tuple[bool, dict[str, Any]]:
        """Start a run unless one is running; (started, status)."""
        with self._lock:
            if self._run.state == "running":
                return False, self.status()
            self._run = _Run("running", self.ctx.now())
        threading.Thread(target=self._work, name="liftledger-verify", daemon=True).start()
        return True, self.status()

    def status(self) -> dict[str, Any]:
        run = self._run
        return {
            "state": run.state,
            "started_at": format_instant(run.started_at) if run.started_at else None,
            "finished_at": format_instant(run.finished_at) if run.finished_at else None,
            "report": run.report.to_dict() if run.report else None,
            "error": run.error,
        }

    def wait(self, timeout_s: float = 60.0) -> dict[str, Any]:
        """Block until the current run ends (tests, the CLI)."""
        deadline = time.monotonic() + timeout_s
        while self._run.state == "running" and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.status()

    def _work(self) -> None:
        run = self._run
        try:
            run.report = verify_store(self.ctx.store.url, workers=1, store=self.ctx.store)
            run.state = "done"
        except LedgerError as e:
            run.error, run.state = e.to_dict(), "failed"
        except Exception as e:
            run.error, run.state = {"code": "internal.error", "message": type(e).__name__}, "failed"
        finally:
            run.finished_at = self.ctx.now()
