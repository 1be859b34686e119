"""Collecting cosignatures from real witnesses (in-process here, over HTTP in tests/api/test_live.py): growth from
the size a witness reports, a refusal and a fork reported per witness, an unreachable witness, nothing sent twice."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ledger.adapters.witness_client import CosignatureCollector, WitnessEndpoint, http_transport
from ledger.core.errors import LedgerError
from ledger.core.keys import SigningKey
from ledger.store.transparency import TransparencyLog, operator_signer
from ledger.tlog.checkpoint import NoteVerifier, WitnessSigner, open_checkpoint
from ledger.tlog.witness import InMemoryWitnessState, Witness, WitnessState, error_response
from tests.api.live import free_port
from tests.harness import Ledger
from tests.integration.test_transparency import OPERATOR, grow

NOW = 1_767_225_600
REGULATOR = WitnessSigner.from_seed("regulator.example/witness", bytes(range(1, 33)))
INSURER = WitnessSigner.from_seed("insurer.example/witness", bytes(range(2, 34)))


@pytest.fixture
def log(store_url: str) -> Iterator[TransparencyLog]:
    harness = Ledger(store_url)
    harness.in_service()
    grow(harness, 5)
    log = TransparencyLog(harness.store)
    log.issue(OPERATOR, now=NOW)
    log.harness = harness  # type: ignore[attr-defined]
    yield log
    harness.close()


class Witnesses:
    """Real witnesses, each trusting one log key, reached through a transport that counts the requests."""

    def __init__(self, trusted: NoteVerifier, *signers: WitnessSigner) -> None:
        self.states = {_url(s): InMemoryWitnessState() for s in signers}
        self.by_url = {_url(s): Witness(s, {trusted.name: trusted}, self.states[_url(s)]) for s in signers}
        self.requests = 0

    def post(self, url: str, body: bytes) -> tuple[int, str, bytes]:
        self.requests += 1
        try:
            return 200, "text/plain; charset=utf-8", self.by_url[url.removesuffix("/add-checkpoint")] \
                .handle_add_checkpoint(body, NOW)
        except LedgerError as e:
            return error_response(e)


def _url(signer: WitnessSigner) -> str:
    return f"https://{signer.name}"


def _endpoints(*signers: WitnessSigner) -> list[WitnessEndpoint]:
    return [WitnessEndpoint(_url(s), s.verifier()) for s in signers]


def _cosigned_by_both(log: TransparencyLog) -> None:
    open_checkpoint(log.latest().note, log.operator, witnesses=[REGULATOR.verifier(), INSURER.verifier()],
                    min_witnesses=2)


def test_witnesses_cosign_the_first_checkpoint_and_then_the_growth(log: TransparencyLog) -> None:
    witnesses = Witnesses(log.operator, REGULATOR, INSURER)
    collector = CosignatureCollector(log, _endpoints(REGULATOR, INSURER), witnesses.post)
    assert all(o.cosigned for o in collector.collect()) and witnesses.requests == 2
    _cosigned_by_both(log)
    assert all(o.cosigned for o in collector.collect()) and witnesses.requests == 2  # already cosigned: none sent
    grow(log.harness, 4, start_day=10)  # type: ignore[attr-defined]
    log.issue(OPERATOR, now=NOW + 60)
    restarted = CosignatureCollector(log, _endpoints(REGULATOR, INSURER), witnesses.post)
    assert all(o.cosigned for o in restarted.collect())
    # knowing no sizes, each was asked from 0, answered 409 with its size, then cosigned
    assert witnesses.requests == 6
    _cosigned_by_both(log)


def test_a_refusal_a_fork_and_an_unreachable_witness_are_reported_and_the_others_still_cosign(
        log: TransparencyLog) -> None:
    another_log = operator_signer(SigningKey.from_seed(b"\x09" * 32), log.origin).verifier()
    honest, stranger = Witnesses(log.operator, REGULATOR), Witnesses(another_log, INSURER)

    def post(url: str, body: bytes) -> tuple[int, str, bytes]:
        return (honest if url.startswith(_url(REGULATOR)) else stranger).post(url, body)

    outcomes = CosignatureCollector(log, _endpoints(REGULATOR, INSURER), post).collect()
    assert [o.cosigned for o in outcomes] == [True, False]
    assert (outcomes[1].error or "").startswith("HTTP 403")  # it trusts another key under this log's name
    down = WitnessEndpoint(f"http://127.0.0.1:{free_port()}", WitnessSigner.from_seed("down.example/w", bytes(32))
                           .verifier())
    (unreachable,) = CosignatureCollector(log, [down], http_transport).collect()
    assert not unreachable.cosigned and (unreachable.error or "").startswith("unreachable")
    # The regulator's witness has seen another tree of the size it cosigned: growth from it cannot be proven.
    state = honest.states[_url(REGULATOR)]
    held = state.get(log.origin)
    assert held is not None
    state.put(log.origin, WitnessState(held.size, bytes(32)))
    grow(log.harness, 2, start_day=20)  # type: ignore[attr-defined]
    log.issue(OPERATOR, now=NOW + 60)
    (forked,) = CosignatureCollector(log, _endpoints(REGULATOR), honest.post).collect()
    assert not forked.cosigned and (forked.error or "").startswith("HTTP 422")
