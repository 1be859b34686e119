"""Demo: checkpoint + witness, a passport verified offline, a tampered passport, a forked log refused."""

from __future__ import annotations

import time

import orjson

from api.cli.transparency_commands import print_passport_summary
from api.demo.run import DemoRun, copy_sqlite
from api.demo.tamper import alter_record, rewrite_history
from ledger.adapters.keyfile import write_signing_key
from ledger.adapters.witness_state import WitnessStateFile
from ledger.core.errors import LedgerError
from ledger.core.keys import SigningKey
from ledger.store import Store, parse_store_url
from ledger.store.passport_export import build_passport, regulator_trust
from ledger.store.transparency import TransparencyLog
from ledger.tlog.checkpoint import WitnessSigner
from ledger.tlog.passport import verify_passport
from ledger.tlog.trust import RegulatorRoot
from ledger.tlog.witness import Witness, parse_cosignature_response

__all__ = ["transparency"]

WITNESS_NAME = "regulator.example/witness"


def transparency(demo: DemoRun) -> None:
    operator = SigningKey.generate()
    write_signing_key(operator, demo.workdir / "operator.key", overwrite=True)
    witness_signer = WitnessSigner(WITNESS_NAME, SigningKey.generate().private)
    log = TransparencyLog(demo.store)
    with demo.section("Checkpoint the log; the regulator's witness verifies and cosigns it"):
        issued = log.issue(operator)
        witness = Witness(witness_signer, {log.origin: log.operator}, WitnessStateFile(demo.workdir / "witness"))
        lines = parse_cosignature_response(witness.handle_add_checkpoint(log.witness_request(0), int(time.time())))
        issued = log.add_cosignatures(lines, witness_signer.verifier())
        demo.console.print(issued.note.rstrip())
        demo.console.print(f"operator key: {log.operator.vkey()}\nwitness key:  {witness_signer.vkey()}")
    elevator = demo.notes["elevator"]
    with demo.section(f"Export elevator {elevator}'s passport and verify it offline (no store, no network)"):
        path = demo.workdir / f"passport-{elevator}.json"
        path.write_bytes(orjson.dumps(build_passport(demo.store, elevator), option=orjson.OPT_INDENT_2))
        trust = demo.workdir / "regulator-trust.json"  # what the regulator publishes: it pins the genesis key
        trust.write_bytes(orjson.dumps(regulator_trust(demo.store), option=orjson.OPT_INDENT_2))
        summary = verify_passport(path.read_bytes(), log.operator, witnesses=(witness_signer.verifier(),),
                                  min_witnesses=1, regulator=RegulatorRoot.from_trust_file(trust.read_bytes()))
        print_passport_summary(demo.console, summary.to_dict())
        demo.console.print(f"the same from the command line:\n  liftledger verify-passport {path} "
                           f"--trust '{log.operator.vkey()}' --regulator-trust {trust} "
                           f"--witness '{witness_signer.vkey()}' --min-witnesses 1")
        demo.check(summary.verified, f"passport of {path.stat().st_size:,} bytes verified", "not verified")
    if demo.url.kind == "sqlite":
        with demo.section("A passport exported from a tampered copy of the store fails offline"):
            _tampered_passport(demo, elevator, log)
        with demo.section("An operator who rewrites history and re-signs a checkpoint is refused by the witness"):
            _forked_log(demo, operator, witness)


def _tampered_passport(demo: DemoRun, elevator: str, log: TransparencyLog) -> None:
    copy = copy_sqlite(demo.url.path, demo.workdir / "tampered-for-passport.sqlite")
    demo.console.print(f"in a copy, the record at position {demo.notes['tamper_position']}: "
                       f"{alter_record(copy, int(demo.notes['tamper_position']))}")
    with Store(parse_store_url(f"sqlite:///{copy}")) as store:
        doc = build_passport(store, elevator)
    try:
        verify_passport(doc, log.operator)
    except LedgerError as e:
        demo.check(True, f"refused: {e.code}: {e.message[:160]}", "")
    else:
        demo.check(False, "", "the passport from a tampered store verified")


def _forked_log(demo: DemoRun, operator: SigningKey, witness: Witness) -> None:
    copy = copy_sqlite(demo.url.path, demo.workdir / "forked.sqlite")
    position = int(demo.notes["tamper_position"])
    alter_record(copy, position)
    rewrite_history(copy, position)
    with Store(parse_store_url(f"sqlite:///{copy}")) as store:
        forked = TransparencyLog(store)
        issued = forked.issue(operator)
        request = forked.witness_request(issued.size)
    demo.console.print(f"the forked log: same size {issued.size}, root {issued.checkpoint.root_hash.hex()[:16]}…, "
                       "validly signed by the operator")
    try:
        witness.handle_add_checkpoint(request, int(time.time()))
    except LedgerError as e:
        demo.check(e.code in ("witness.fork", "witness.inconsistent"), f"witness refused: {e.code}: {e.message}",
                   f"wrong refusal {e.code}")
    else:
        demo.check(False, "", "the witness cosigned a forked log")
