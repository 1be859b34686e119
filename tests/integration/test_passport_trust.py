"""Passports against a hostile operator, on a real store: the exporter writes what the vectors' forger writes for
the same history, and the ledger accepts exactly the honest history the vectors call valid."""

from __future__ import annotations

import orjson

from ledger.core.keys import SigningKey
from ledger.core.submission import parse_line
from ledger.store import Store
from ledger.store.passport_export import build_passport, regulator_trust
from ledger.store.transparency import TransparencyLog
from ledger.tlog.passport import verify_passport
from ledger.tlog.trust import RegulatorRoot
from ledger.write.service import LedgerService
from tests.vectors import generate_passport_vectors as vectors


def test_the_ledger_accepts_the_valid_vectors_history_and_exports_the_same_passport(store_url: str) -> None:
    cast = vectors.Cast.make()
    history = cast.honest()
    with Store(store_url, mode="create") as store:
        clock = [0]
        service = LedgerService(store, clock=lambda: clock[0])
        for logged in history:
            clock[0] = logged.recorded_at
            outcome = service.append([parse_line(logged.record)])[0]
            assert outcome.error is None and outcome.receipt is not None, outcome.error
            assert outcome.receipt.recorded_at == logged.recorded_at
        log = TransparencyLog(store)
        log.issue(SigningKey.from_seed(vectors.OPERATOR_SEED), now=vectors.CHECKPOINT_TIME, origin=vectors.ORIGIN)
        exported = orjson.loads(orjson.dumps(build_passport(store, vectors.CODE)))
        trust = regulator_trust(store)
        operator = log.operator
    assert exported == vectors.passport_of(history)
    assert trust["public_key"] == vectors.regulator_key(cast)
    summary = verify_passport(orjson.dumps(exported), operator,
                              regulator=RegulatorRoot.from_trust_file(orjson.dumps(trust)))
    assert summary.verified and summary.events == 6
    assert [s.stream for s in summary.streams][:2] == [f"elevator:{vectors.CODE}", f"org:{cast.world.regulator.org}"]
