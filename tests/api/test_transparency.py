"""The transparency log over HTTP: checkpoints, proofs that verify, and the C2SP witness endpoint."""

from __future__ import annotations

import base64

import pytest

from ledger.tlog.checkpoint import NoteVerifier, WitnessVerifier, open_checkpoint, verify_cosignature
from ledger.tlog.leaf import leaf_input, record_leaf_hash
from ledger.tlog.proofs import TlogProof, parse_proof, verify_proof, verify_tlog_proof
from ledger.tlog.witness import AddCheckpointRequest, parse_cosignature_response
from tests.api.world import ELEVATOR_A, ApiWorld


def _operator(world: ApiWorld) -> NoteVerifier:
    return NoteVerifier.from_vkey(world.services.ctx.log.operator.vkey())


def test_latest_checkpoint_is_the_signed_note(served: ApiWorld) -> None:
    r = served.get("/v1/log/checkpoint")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    signed = open_checkpoint(r.text, _operator(served))
    assert signed.checkpoint.size == served.checkpoint.size
    listed = served.get("/v1/log/checkpoints").json()
    assert listed["origin"] == signed.checkpoint.origin and listed["items"][0]["note"] == r.text


def test_inclusion_proof_verifies_against_the_checkpoint(served: ApiWorld) -> None:
    event_id = served.scenario.notes["claim"]
    bundle = served.get("/v1/log/proofs/inclusion", params={"event_id": event_id}).json()
    checkpoint = open_checkpoint(bundle["checkpoint"], _operator(served)).checkpoint
    proof = parse_proof(bundle["proof"])
    verify_proof(proof, checkpoint=checkpoint)
    row = served.services.ctx.store.tree.leaf_of(event_id)
    assert row is not None and bundle["proof"]["leaf_hash"] == record_leaf_hash(row.hash, row.recorded_at).hex()
    assert bundle["proof"]["event_hash"] == row.hash.hex() and bundle["proof"]["recorded_at"] == row.recorded_at


def test_consistency_proof_verifies(served: ApiWorld) -> None:
    size = served.checkpoint.size
    bundle = served.get("/v1/log/proofs/consistency", params={"old": 7, "new": size}).json()
    verify_proof(parse_proof(bundle["proof"]))
    assert bundle["proof"]["new_size"] == size and "checkpoint" in bundle


def test_tlog_proof_text_verifies_offline(served: ApiWorld) -> None:
    event_id = served.scenario.notes["entrapment"]
    r = served.get("/v1/log/proofs/tlog-proof", params={"event_id": event_id})
    assert r.text.startswith("c2sp.org/tlog-proof@v1\n")
    row = served.services.ctx.store.tree.leaf_of(event_id)
    assert row is not None
    parsed = TlogProof.parse(r.text)
    assert parsed.extra == leaf_input(row.hash, row.recorded_at)  # what the leaf commits to, for the verifier
    verify_tlog_proof(parsed, record_leaf_hash(row.hash, row.recorded_at), _operator(served),
                      recorded_at=row.recorded_at)


@pytest.mark.parametrize(("path", "params", "status", "code"), [
    ("inclusion", {"event_id": "01900000-0000-7000-8000-000000000000"}, 404, "not_found"),
    ("inclusion", {"event_id": "not-an-id"}, 422, "request.invalid"),
    ("consistency", {"old": 5, "new": 10**9}, 422, "proof.out_of_range"),
    ("consistency", {"old": 9, "new": 3}, 422, "proof.out_of_range"),
    ("tlog-proof", {"event_id": "01900000-0000-7000-8000-000000000000"}, 404, "not_found"),
])
def test_proof_refusals(served: ApiWorld, path: str, params: dict[str, object], status: int, code: str) -> None:
    r = served.get(f"/v1/log/proofs/{path}", params=params)
    assert (r.status_code, r.json()["error"]["code"]) == (status, code)


def _request(world: ApiWorld, old: int) -> bytes:
    return world.services.ctx.log.witness_request(old)


def test_witness_cosigns_and_the_operator_collects_it(api: ApiWorld) -> None:
    r = api.post("/add-checkpoint", content=_request(api, 0), headers={"Content-Type": "text/plain"})
    assert r.status_code == 200, r.text
    lines = parse_cosignature_response(r.content)
    witness = WitnessVerifier.from_vkey(api.witness_signer.vkey())
    verify_cosignature(api.checkpoint.checkpoint, lines[0], witness)
    api.services.ctx.log.add_cosignatures(lines, witness)
    note = api.get("/v1/log/checkpoint").text
    open_checkpoint(note, _operator(api), witnesses=[witness], min_witnesses=1)
    assert api.get("/v1/log/checkpoints").json()["items"][0]["witnesses"] == ["witness.example/w1"]


def test_witness_refusals_follow_tlog_witness(api: ApiWorld) -> None:
    log = api.services.ctx.log
    assert api.post("/add-checkpoint", content=_request(api, 0)).status_code == 200
    stale = api.post("/add-checkpoint", content=_request(api, 0))
    assert stale.status_code == 409 and stale.headers["content-type"].startswith("text/x.tlog.size")
    assert stale.text == f"{api.checkpoint.size}\n"
    api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_A, "category": "other", "summary": "新记录"})
    newer = log.issue(api.operator, now=api.checkpoint.issued_at + 60)
    good = api.post("/add-checkpoint", content=log.witness_request(api.checkpoint.size, newer))
    assert good.status_code == 200
    forged = AddCheckpointRequest(newer.size, (), newer.note.replace(
        newer.note.split("\n")[2], base64.b64encode(b"\x01" * 32).decode()))
    assert api.post("/add-checkpoint", content=forged.to_bytes()).status_code in (400, 403)


def test_witness_malformed_and_unknown(api: ApiWorld) -> None:
    assert api.post("/add-checkpoint", content=b"hello").status_code == 400
    assert api.post("/add-checkpoint", content=b"old 01\n\nx").status_code == 400
    other = api.services.ctx.log.witness_request(0).replace(api.checkpoint.checkpoint.origin.encode(), b"x.example/l")
    assert api.post("/add-checkpoint", content=other).status_code in (400, 404)


def test_witness_inconsistent_proof_is_422(api: ApiWorld) -> None:
    log = api.services.ctx.log
    assert api.post("/add-checkpoint", content=_request(api, 0)).status_code == 200
    api.post("/v1/public/reports", json={"equipment_code": ELEVATOR_A, "category": "other", "summary": "新记录"})
    newer = log.issue(api.operator, now=api.checkpoint.issued_at + 60)
    body = log.witness_request(api.checkpoint.size, newer)
    head, _, note = body.partition(b"\n\n")
    lines = head.split(b"\n")
    lines[1] = base64.b64encode(b"\x00" * 32)
    r = api.post("/add-checkpoint", content=b"\n".join(lines) + b"\n\n" + note)
    assert r.status_code == 422, r.text


def test_no_witness_configured_is_503(api: ApiWorld) -> None:
    from api.http.services.transparency import TransparencyService

    api.services.transparency = TransparencyService(api.services.ctx, api.settings.with_(witness_key=None))
    r = api.post("/add-checkpoint", content=_request(api, 0))
    assert (r.status_code, r.json()["error"]["code"]) == (503, "service.unavailable")
