"""CLI commands of the transparency log: checkpoints, witnesses, proofs and passports."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from api.cli.common import EXIT_FAILED, EXIT_OK, json_argument, open_store, store_argument
from api.cli.output import console, emit, print_json, print_json_lines
from ledger.core.errors import ConfigurationError, IntegrityError, LedgerError, NotFoundError
from ledger.core.identifiers import format_instant

if TYPE_CHECKING:
    from rich.console import Console

    from ledger.adapters.witness_client import CosignatureCollector
    from ledger.core.keys import SigningKey
    from ledger.store.transparency import IssuedCheckpoint, TransparencyLog
    from ledger.tlog.trust import TrustAnchors

__all__ = ["EXIT_UNANCHORED", "print_passport_summary", "register", "trust_anchors"]

# Every check passed, but nothing pinned the regulator's root: the registry is only the operator's word.
EXIT_UNANCHORED = 3


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("checkpoint", help="issue a signed checkpoint of the log (C2SP signed note)")
    store_argument(p)
    p.add_argument("--operator-key", default="operator.key", help="the log operator's key file")
    p.add_argument("--origin", default=None, help="the log's origin line (fixed by the first checkpoint)")
    p.add_argument("--witness", nargs=2, action="append", default=[], metavar=("URL", "VKEY"),
                   help="push the checkpoint to this c2sp.org/tlog-witness and store its cosignature (repeatable)")
    p.add_argument("--every", type=float, default=None, metavar="SECONDS",
                   help="keep running: each round checkpoints the log if it grew and collects cosignatures "
                        "(JSON lines on stdout) until SIGTERM")
    json_argument(p)
    p.set_defaults(run=cmd_checkpoint)

    p = sub.add_parser("log-key",
                       help="the log operator's verifier key: what proofs and passports are checked against")
    store_argument(p)
    json_argument(p)
    p.set_defaults(run=cmd_log_key)

    p = sub.add_parser("checkpoints", help="every checkpoint issued, with its witnesses")
    store_argument(p)
    json_argument(p)
    p.set_defaults(run=cmd_checkpoints)

    p = sub.add_parser("witness-request", help="the tlog-witness add-checkpoint body for the latest checkpoint")
    store_argument(p)
    p.add_argument("--old", type=int, default=0, help="the tree size the witness last cosigned")
    p.set_defaults(run=cmd_witness_request)

    p = sub.add_parser("add-cosignature", help="store a witness's cosignature lines onto the latest checkpoint")
    store_argument(p)
    p.add_argument("file", help="the witness's response (cosignature lines), or - for stdin")
    p.add_argument("--witness", required=True, metavar="VKEY", help="the witness's verifier key")
    p.set_defaults(run=cmd_add_cosignature)

    witness = sub.add_parser("witness", help="run a witness: verify and cosign checkpoints")
    wsub = witness.add_subparsers(dest="witness_command", required=True)
    p = wsub.add_parser("new-key", help="a witness key file; prints its verifier key (the line a log is given)")
    p.add_argument("--out", required=True, help="the key file to write (mode 0600)")
    p.add_argument("--name", required=True, help="the witness's key name, e.g. regulator.example/witness")
    p.set_defaults(run=cmd_witness_new_key)
    p = wsub.add_parser("cosign", help="answer an add-checkpoint request (stdin or FILE) with a cosignature")
    p.add_argument("request", nargs="?", default="-", help="the add-checkpoint request (default: stdin)")
    p.add_argument("--key", required=True, help="the witness's key file")
    p.add_argument("--name", required=True, help="the witness's key name")
    p.add_argument("--state", required=True, help="the witness's state directory")
    p.add_argument("--log", action="append", required=True, metavar="VKEY", help="a trusted log's verifier key")
    p.set_defaults(run=cmd_witness_cosign)

    prove = sub.add_parser("prove", help="inclusion and consistency proofs (JSON)")
    psub = prove.add_subparsers(dest="prove_command", required=True)
    p = psub.add_parser("inclusion", help="prove an event is in the log")
    store_argument(p)
    p.add_argument("event_id", help="the event's id")
    p.add_argument("--size", type=int, default=None, help="tree size (default: the latest checkpoint's)")
    p.set_defaults(run=cmd_prove_inclusion)
    p = psub.add_parser("consistency", help="prove the log of size NEW extends the log of size OLD")
    store_argument(p)
    p.add_argument("old", type=int, help="the smaller tree size")
    p.add_argument("new", type=int, help="the larger tree size")
    p.set_defaults(run=cmd_prove_consistency)

    p = sub.add_parser("verify-proof", help="verify a proof file offline against the operator's signed checkpoint")
    p.add_argument("file", help='a proof file: {"proof": …, "checkpoint": …} as `prove` writes it')
    p.add_argument("--trust", required=True, metavar="VKEY",
                   help="the log operator's verifier key: a proof is only as good as the checkpoint it is bound to")
    p.add_argument("--witness", action="append", default=[], metavar="VKEY", help="a witness's verifier key")
    p.add_argument("--min-witnesses", type=int, default=0, help="how many of the --witness keys must have cosigned")
    p.set_defaults(run=cmd_verify_proof)

    p = sub.add_parser("passport", help="export an elevator's self-contained, offline-verifiable passport")
    store_argument(p)
    p.add_argument("equipment_code", help="设备代码 of the elevator")
    p.add_argument("--out", required=True, help="where to write the passport (JSON)")
    p.set_defaults(run=cmd_passport)

    p = sub.add_parser("verify-passport", help="verify a passport offline: no store, no network")
    p.add_argument("file", help="the file to verify (- for stdin)")
    trust_arguments(p)
    json_argument(p)
    p.set_defaults(run=cmd_verify_passport)

    p = sub.add_parser("trust-file", help="write the regulator trust file that pins this ledger's genesis key")
    store_argument(p)
    p.add_argument("--out", required=True, help="where to write the trust file (liftledger-regulator-trust/1)")
    p.set_defaults(run=cmd_trust_file)


def cmd_checkpoint(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import load_signing_key
    from ledger.adapters.witness_client import CosignatureCollector, WitnessEndpoint
    from ledger.store.transparency import TransparencyLog
    from ledger.tlog.checkpoint import WitnessVerifier

    key = load_signing_key(args.operator_key)
    witnesses = [WitnessEndpoint(url, WitnessVerifier.from_vkey(vkey)) for url, vkey in args.witness]
    with open_store(args) as store:
        log = TransparencyLog(store)
        if args.every is not None:
            return _checkpoint_rounds(log, key, args.origin, CosignatureCollector(log, witnesses), args.every)
        log.issue(key, origin=args.origin)
        outcomes = CosignatureCollector(log, witnesses).collect()
        issued, vkey = log.latest(), log.operator.vkey()
    if args.json:
        print_json({"checkpoint_id": issued.checkpoint_id, "size": issued.size, "issued_at": issued.issued_at,
                    "root_hash": issued.checkpoint.root_hash.hex(), "note": issued.note, "operator_vkey": vkey,
                    "witnesses": [o.to_dict() for o in outcomes]})
    else:
        sys.stdout.write(issued.note)
        for o in outcomes:
            if not o.cosigned:
                console().print(f"[red]✗ witness {o.witness}: {o.error}[/red]", highlight=False)
    return EXIT_OK if all(o.cosigned for o in outcomes) else EXIT_FAILED


def _checkpoint_rounds(log: TransparencyLog, key: SigningKey, origin: str | None, collector: CosignatureCollector,
                       every: float) -> int:
    """Checkpoint when the log grew, collect cosignatures, report, wait; SIGTERM or SIGINT ends it after a round."""
    stopping = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stopping.set()) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        while not stopping.is_set():
            issued = _latest_or_none(log)
            if issued is None or issued.size < log.tree.tree_size():
                issued = log.issue(key, origin=origin)
            outcomes = collector.collect()
            print_json_lines([{"size": issued.size, "checkpoint_id": issued.checkpoint_id,
                               "witnesses": [o.to_dict() for o in outcomes]}])
            stopping.wait(every)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return EXIT_OK


def _latest_or_none(log: TransparencyLog) -> IssuedCheckpoint | None:
    try:
        return log.latest()
    except NotFoundError:
        return None


def cmd_log_key(args: argparse.Namespace) -> int:
    from ledger.store.transparency import TransparencyLog

    with open_store(args) as store:
        log = TransparencyLog(store)
        found = {"origin": log.origin, "vkey": log.operator.vkey(), "tree_size": store.tree.tree_size()}
    emit(args, found, found["vkey"])
    return EXIT_OK


def cmd_checkpoints(args: argparse.Namespace) -> int:
    from rich.table import Table

    from ledger.store.transparency import TransparencyLog

    with open_store(args) as store:
        log = TransparencyLog(store)
        issued = log.checkpoints()
        rows = [_checkpoint_row(c) for c in issued]
    if args.json:
        print_json(rows)
        return EXIT_OK
    table = Table(show_edge=False)
    for column in ("id", "size", "issued (UTC)", "root", "cosigned by"):
        table.add_column(column)
    for row in rows:
        table.add_row(str(row["id"]), str(row["size"]), row["issued_at"], row["root_hash"][:16] + "…",
                      ", ".join(row["witnesses"]) or "—")
    console().print(table)
    return EXIT_OK


def _checkpoint_row(issued: IssuedCheckpoint) -> dict[str, Any]:
    return {"id": issued.checkpoint_id, "size": issued.size, "issued_at": format_instant(issued.issued_at),
            "root_hash": issued.checkpoint.root_hash.hex(), "witnesses": issued.cosigners, "note": issued.note}


def cmd_witness_request(args: argparse.Namespace) -> int:
    from ledger.store.transparency import TransparencyLog

    with open_store(args) as store:
        sys.stdout.buffer.write(TransparencyLog(store).witness_request(args.old))
    return EXIT_OK


def cmd_add_cosignature(args: argparse.Namespace) -> int:
    from ledger.store.transparency import TransparencyLog
    from ledger.tlog.checkpoint import WitnessVerifier
    from ledger.tlog.witness import parse_cosignature_response

    lines = parse_cosignature_response(_read_input(args.file))
    with open_store(args) as store:
        issued = TransparencyLog(store).add_cosignatures(lines, WitnessVerifier.from_vkey(args.witness))
    sys.stdout.write(issued.note)
    return EXIT_OK


def cmd_witness_new_key(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import write_signing_key
    from ledger.core.keys import SigningKey
    from ledger.tlog.checkpoint import WitnessSigner

    key = SigningKey.generate()
    write_signing_key(key, args.out)
    vkey = WitnessSigner(args.name, key.private).vkey()
    emit(args, {"key_file": args.out, "name": args.name, "vkey": vkey}, vkey)  # the line to hand to the log
    return EXIT_OK


def cmd_witness_cosign(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import load_signing_key
    from ledger.adapters.witness_state import WitnessStateFile
    from ledger.tlog.checkpoint import NoteVerifier, WitnessSigner
    from ledger.tlog.witness import Witness

    signer = WitnessSigner(args.name, load_signing_key(args.key).private)
    logs = [NoteVerifier.from_vkey(vkey) for vkey in args.log]
    witness = Witness(signer, {log.name: log for log in logs}, WitnessStateFile(args.state))
    try:
        response = witness.handle_add_checkpoint(_read_input(args.request), int(time.time()))
    except LedgerError as e:
        print_json({"status": "refused", "error": e.to_dict()})
        return EXIT_FAILED
    sys.stdout.buffer.write(response)
    return EXIT_OK


def cmd_prove_inclusion(args: argparse.Namespace) -> int:
    from ledger.store.transparency import TransparencyLog

    with open_store(args) as store:
        log = TransparencyLog(store)
        proof = log.inclusion(args.event_id, args.size)
        print_json(log.bundle(proof))
    return EXIT_OK


def cmd_prove_consistency(args: argparse.Namespace) -> int:
    from ledger.store.transparency import TransparencyLog

    with open_store(args) as store:
        log = TransparencyLog(store)
        proof = log.consistency(args.old, args.new)
        print_json(log.bundle(proof))
    return EXIT_OK


def cmd_verify_proof(args: argparse.Namespace) -> int:
    from ledger.tlog.checkpoint import NoteVerifier, WitnessVerifier, open_checkpoint
    from ledger.tlog.proofs import parse_proof, strict_document, verify_proof

    document = strict_document(_read_input(args.file), "the proof file")
    if not isinstance(document, dict) or set(document) != {"proof", "checkpoint"} or \
            not isinstance(document["checkpoint"], str):
        raise IntegrityError('a proof file is {"proof": …, "checkpoint": …}, with the checkpoint the proof is for',
                             code="proof.invalid")
    proof = parse_proof(document["proof"])
    witnesses = tuple(WitnessVerifier.from_vkey(v) for v in args.witness)
    checkpoint = open_checkpoint(document["checkpoint"], NoteVerifier.from_vkey(args.trust), witnesses=witnesses,
                                 min_witnesses=args.min_witnesses).checkpoint
    verify_proof(proof, checkpoint=checkpoint)
    verified = {"ok": True, "type": document["proof"]["type"], "verified": "against the operator's signed checkpoint",
                "checkpoint": {"origin": checkpoint.origin, "size": checkpoint.size,
                               "root_hash": checkpoint.root_hash.hex()}}
    emit(args, verified, f"OK: the {verified['type']} proof verifies against the operator's signed checkpoint of "
                         f"{checkpoint.origin} at size {checkpoint.size}")
    return EXIT_OK


def cmd_passport(args: argparse.Namespace) -> int:
    from ledger.store.passport_export import build_passport

    with open_store(args) as store:
        passport = build_passport(store, args.equipment_code)
    Path(args.out).write_bytes(orjson.dumps(passport, option=orjson.OPT_INDENT_2) + b"\n")
    streams = passport["streams"]
    emit(args, {"passport": args.out, "equipment_code": args.equipment_code, "events": len(streams[0]["records"]),
                "organizations": len(streams) - 1, "registry_records": sum(len(s["records"]) for s in streams[1:]),
                "bytes": Path(args.out).stat().st_size})
    return EXIT_OK


def trust_arguments(p: argparse.ArgumentParser, *, operator_required: bool = True) -> None:
    """The trust anchors every offline verification takes (docs/FORMAT.md §II.9)."""
    p.add_argument("--trust", required=operator_required, metavar="VKEY", help="the log operator's verifier key")
    root = p.add_mutually_exclusive_group()
    root.add_argument("--regulator-key", metavar="BASE64",
                      help="the regulator's root: the genesis public key (as `liftledger init` prints it)")
    root.add_argument("--regulator-trust", metavar="FILE",
                      help="the regulator's root from its trust file (liftledger-regulator-trust/1)")
    p.add_argument("--witness", action="append", default=[], metavar="VKEY", help="a witness's verifier key")
    p.add_argument("--min-witnesses", type=int, default=0, help="how many of the witnesses must have cosigned")


def trust_anchors(args: argparse.Namespace) -> TrustAnchors:
    from ledger.tlog.checkpoint import NoteVerifier, WitnessVerifier
    from ledger.tlog.trust import RegulatorRoot, TrustAnchors

    regulator = None
    if args.regulator_key:
        regulator = RegulatorRoot.from_key(args.regulator_key)
    elif args.regulator_trust:
        regulator = RegulatorRoot.from_trust_file(_read_input(args.regulator_trust))
    return TrustAnchors(NoteVerifier.from_vkey(args.trust), regulator,
                        tuple(WitnessVerifier.from_vkey(v) for v in args.witness), args.min_witnesses)


def cmd_verify_passport(args: argparse.Namespace) -> int:
    from ledger.tlog.passport import parse_passport, verify_passport

    anchors = trust_anchors(args)
    document = parse_passport(_read_input(args.file))
    summary = verify_passport(document, anchors.operator, witnesses=anchors.witnesses,
                              min_witnesses=anchors.min_witnesses, regulator=anchors.regulator)
    if args.json:
        print_json(summary.to_dict())
    else:
        print_passport_summary(console(), summary.to_dict())
    return EXIT_OK if summary.verified else EXIT_UNANCHORED


def cmd_trust_file(args: argparse.Namespace) -> int:
    from ledger.store.passport_export import regulator_trust

    with open_store(args) as store:
        trust = regulator_trust(store)
    Path(args.out).write_bytes(orjson.dumps(trust, option=orjson.OPT_INDENT_2) + b"\n")
    print_json({"trust_file": args.out, **trust})
    return EXIT_OK


def print_passport_summary(console: Console, summary: dict[str, Any]) -> None:
    """The human summary of a checked passport: what is verified, what is only the operator's word, what no passport
    can show; then the elevator, records by type, signers, streams, checkpoint and witnesses."""
    from rich.table import Table

    cp = summary["checkpoint"]
    what = (f"elevator {summary['equipment_code']}: {summary['events']} records from {summary['first_event']} to "
            f"{summary['last_event']}")
    if summary["verified"]:
        root = summary["anchors"]["regulator_root"]
        console.print(f"[green]VERIFIED[/green] {what}, against the regulator root {root['key_id'][:16]}…")
    else:
        console.print(f"[yellow]CONSISTENT, NOT VERIFIED[/yellow] {what}")
    for fact in summary["operator_word"]:
        console.print(f"[yellow]only the operator's word:[/yellow] {fact}")
    for fact in summary["not_provable"]:
        console.print(f"no passport can show: {fact}")
    console.print(f"checkpoint: {cp['origin']} size {cp['size']} root {cp['root_hash'][:16]}… issued {cp['time']}")
    witnesses = ", ".join(f"{w['name']} at {format_instant(w['timestamp'])}" for w in summary["witnesses"])
    console.print(f"witnesses: {witnesses or 'none'}")
    types = Table(title="records by type", show_edge=False)
    types.add_column("type")
    types.add_column("count", justify="right")
    for name, count in summary["events_by_type"].items():
        types.add_row(name, str(count))
    console.print(types)
    signers = Table(title="signers (keys verified against the registry records shown)", show_edge=False)
    for column in ("organization", "统一社会信用代码", "roles", "records", "keys"):
        signers.add_column(column)
    for org, signer in summary["signers"].items():
        signers.add_row(signer["name"], org, ", ".join(signer["roles"]), str(signer["events"]),
                        ", ".join(k[:8] for k in signer["key_ids"]))
    console.print(signers)
    if summary["streams"]:
        streams = Table(title="streams shown (each whole up to its last record; later ones cannot be shown)",
                        show_edge=False)
        for column in ("stream", "name", "records", "last leaf", "last recorded"):
            streams.add_column(column)
        for shown in summary["streams"]:
            streams.add_row(shown["stream"], shown["name"], str(shown["records"]), str(shown["last_leaf"]),
                            shown["last_recorded_at"] or "—")
        console.print(streams)


def _read_input(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ConfigurationError(f"cannot read {path}: {e.strerror}") from None
