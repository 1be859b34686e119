"""CLI commands of the ledger core: init, migrate, keys new, sign, append, events, verify.

``init`` is the only command that creates a store (``migrate`` the only one that upgrades one); every other
command opens the store at ``--store`` as it is and refuses anything else with a typed error naming the URL.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from api.cli import registry_commands
from api.cli.common import EXIT_FAILED, EXIT_OK, json_argument, open_store, store_argument
from api.cli.output import console, describe_error, emit, print_error, print_json, print_json_lines, progress_bar
from api.cli.transparency_commands import trust_anchors, trust_arguments
from ledger.core.errors import ConfigurationError, LedgerError, NotFoundError, SchemaError
from ledger.core.identifiers import format_instant, uscc_check_char

__all__ = ["register"]

_BATCH = 2000
DEFAULT_REGULATOR_ORG = "11310000MB0000001" + uscc_check_char("11310000MB0000001")
# Early enough to back-fill the history of elevators in service, and the simulator's registry (1990).
GENESIS_VALID_FROM = "1990-01-01T00:00:00Z"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("init", help="create the store and the genesis regulator and operator keys")
    store_argument(p)
    p.add_argument("--regulator-key-out", default="regulator.key", help="where to write the regulator key (0600)")
    p.add_argument("--operator-key-out", default="operator.key", help="where to write the log operator's key")
    p.add_argument("--regulator-org", default=DEFAULT_REGULATOR_ORG, help="the regulator's 统一社会信用代码")
    p.add_argument("--regulator-name", default="市场监督管理局", help="the regulator's registered name")
    p.add_argument("--origin", default=None, help="the transparency log's origin line (default: from the key)")
    p.add_argument("--valid-from", default=GENESIS_VALID_FROM,
                   help="from when the genesis key may sign (early enough to back-fill existing elevators' records)")
    p.add_argument("--empty", action="store_true",
                   help="create the store's tables only, without keys or genesis: the first record appended must "
                        "be a RegistryGenesis (a simulated city's, or another ledger's exported history)")
    p.set_defaults(run=cmd_init)

    p = sub.add_parser("migrate", help="upgrade a store to this LiftLedger's schema version (recorded steps)")
    store_argument(p)
    json_argument(p)
    p.set_defaults(run=cmd_migrate)

    keys = sub.add_parser("keys", help="key management").add_subparsers(dest="keys_command", required=True)
    p = keys.add_parser("new", help="write a new Ed25519 key file and print its public key")
    p.add_argument("--out", required=True, help="the key file to write (PKCS#8 PEM, mode 0600)")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(run=cmd_keys_new)
    registry_commands.register_key_commands(keys)

    p = sub.add_parser("sign", help="check and sign unsigned envelopes (JSON lines on stdin) with a key",
                       description="Each line is completed (schema, a new UUIDv7 event_id when none is given, "
                                   "key_id), checked against its type's schema — an error names the line and the "
                                   "field's JSON path — and signed. Signed envelopes go to stdout as JSON lines.")
    p.add_argument("--key", required=True, help="the signing organization's key file")
    p.set_defaults(run=cmd_sign)

    p = sub.add_parser("template", help="an unsigned envelope of an event type to fill in and sign (or --list them)",
                       description="Prints one unsigned envelope (a JSON line) of TYPE recorded by --org at --at, "
                                   "from the type's example: edit it, or set fields with --set, then pipe it to "
                                   "`liftledger sign`. --list names every type with the roles that may record it.")
    p.add_argument("type", nargs="?", metavar="TYPE", help="the event type, e.g. MaintenancePerformed")
    p.add_argument("--list", action="store_true", help="list every event type, who may record it and where")
    p.add_argument("--org", default=None, help="the recording organization's 统一社会信用代码")
    p.add_argument("--role", default=None, help="the role it records in (default: the type's first)")
    p.add_argument("--code", default=None, metavar="EQUIPMENT_CODE", help="the elevator's 设备代码")
    p.add_argument("--at", default=None, metavar="T", help="occurred_at, YYYY-MM-DDTHH:MM:SSZ (default: now)")
    p.add_argument("--person", action="append", default=[], metavar="CERT_NO:ROLE",
                   help="a person acting (repeatable), e.g. T-0001:worker or DJ-7:inspector")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", dest="sets",
                   help="set a field to a text value (repeatable), e.g. payload.contract_no=WB-1")
    p.add_argument("--set-json", action="append", default=[], metavar="PATH=JSON", dest="set_json",
                   help="set a field to a JSON value (repeatable), e.g. payload.floors=12")
    json_argument(p)
    p.set_defaults(run=cmd_template)

    p = sub.add_parser("append", help="append signed envelopes from a JSON-lines file (or - for stdin)")
    store_argument(p)
    p.add_argument("file", help="signed envelopes, one JSON object per line (- for stdin)")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
    p.add_argument("--workers", type=int, default=2,
                   help="processes that check signatures while batches are parsed and decided (0: inline)")
    p.add_argument("--replay-clock", action="store_true",
                   help="record each event at the greatest occurred_at seen so far instead of now: for loading a "
                        "simulated city (liftledger simulate), never for live records")
    p.set_defaults(run=cmd_append)

    p = sub.add_parser("events", help="an elevator's (or organization's) events with seq, prev_hash, hash and "
                                      "recorded_at")
    store_argument(p)
    p.add_argument("stream", metavar="EQUIPMENT_CODE", help="设备代码 (or an organization's USCC)")
    p.set_defaults(run=cmd_events)

    p = sub.add_parser("backup", help="a consistent copy of the whole store in a file (SQLite backup API, pg_dump)")
    store_argument(p)
    p.add_argument("--out", required=True, metavar="FILE", help="the backup file to write (never overwritten)")
    json_argument(p)
    p.set_defaults(run=cmd_backup)

    p = sub.add_parser("restore", help="place a backup as the store at --store, which must hold none yet")
    p.add_argument("backup", metavar="FILE", help="a file `liftledger backup` wrote")
    p.add_argument("--store", default=None, metavar="URL", required=True,
                   help="where the restored store goes: a new sqlite:///PATH or an empty PostgreSQL schema")
    json_argument(p)
    p.set_defaults(run=cmd_restore)

    p = sub.add_parser("schemas", help="write the JSON Schemas of the envelope and every event payload")
    p.add_argument("--out", default="docs/schemas", help="the directory (default: docs/schemas, where they are "
                   "published)")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if the files there are stale")
    p.set_defaults(run=cmd_schemas)

    p = sub.add_parser("verify", help="recompute every chain, signature, rule, index row and Merkle node")
    store_argument(p)
    p.add_argument("--no-signatures", action="store_true", help="chains and Merkle log only")
    p.add_argument("--workers", type=int, default=2, help="processes (independent elevators verify in parallel)")
    trust_arguments(p, operator_required=False)
    held = p.add_mutually_exclusive_group()
    held.add_argument("--checkpoint", metavar="NOTE",
                      help="a signed checkpoint you hold (a file): the store must be a consistent extension of it")
    held.add_argument("--since", metavar="NOTE",
                      help="a signed checkpoint you trust (a file): verify only what was appended after it")
    json_argument(p)
    p.set_defaults(run=cmd_verify)


def cmd_init(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import write_signing_key
    from ledger.core.keys import SigningKey
    from ledger.core.signing import new_event_id, sign_envelope
    from ledger.core.submission import parse_submission
    from ledger.store.transparency import TransparencyLog
    from ledger.write.service import LedgerService

    with open_store(args, mode="create") as store:
        if store.index.max_position() > 0:
            raise ConfigurationError(f"{store.url.display()} already holds a ledger; init only creates new ones")
        if args.empty:
            print_json({"store": store.url.display(), "schema_history": [
                {"version": v, "summary": summary, "applied_at": format_instant(at)}
                for v, summary, at in store.schema_history()], "events": 0})
            return EXIT_OK
        regulator = SigningKey.generate()
        operator = SigningKey.generate()
        write_signing_key(regulator, args.regulator_key_out)
        write_signing_key(operator, args.operator_key_out)
        now = format_instant(int(time.time()))
        genesis = sign_envelope({
            "event_id": new_event_id(), "type": "RegistryGenesis", "occurred_at": now,
            "actor": {"org": args.regulator_org, "role": "regulator"},
            "payload": {"org": args.regulator_org, "name": args.regulator_name, "key_id": regulator.key_id,
                        "public_key": regulator.public.base64, "valid_from": args.valid_from},
        }, regulator)
        outcome = LedgerService(store).append([parse_submission(genesis)])[0]
        if outcome.error is not None:
            raise outcome.error
        log = TransparencyLog(store)
        log.adopt_operator(operator, args.origin)
        created = {
            "store": store.url.display(), "regulator_org": args.regulator_org,
            "regulator_key_id": regulator.key_id, "regulator_public_key": regulator.public.base64,
            "regulator_key_file": str(Path(args.regulator_key_out)),
            "operator_key_id": operator.key_id, "operator_public_key": operator.public.base64,
            "log_origin": log.origin, "operator_vkey": log.operator.vkey(),
            "operator_key_file": str(Path(args.operator_key_out)), "genesis": outcome.to_dict(),
        }
    emit(args, created, _init_text(created, args.regulator_name))
    return EXIT_OK


def cmd_migrate(args: argparse.Namespace) -> int:
    from ledger.store.tables import SCHEMA_VERSION

    with open_store(args, mode="migrate") as store:
        before = store.probe.schema_version
        applied = store.migrate()
        history = store.schema_history()
    result = {"store": store.url.display(), "from_version": before, "schema_version": SCHEMA_VERSION,
              "applied": [{"version": step.version, "summary": step.summary} for step in applied],
              "history": [{"version": v, "summary": summary, "applied_at": format_instant(at)}
                          for v, summary, at in history]}
    if args.json:
        print_json(result)
    elif applied:
        for step in applied:
            console().print(f"schema version {step.version}: {step.summary}")
        console().print(f"{result['store']} upgraded from schema version {before} to {SCHEMA_VERSION}")
    else:
        console().print(f"{result['store']} is at schema version {SCHEMA_VERSION}: nothing to do")
    return EXIT_OK


def _init_text(created: dict[str, object], regulator_name: str) -> str:
    return f"""Created a ledger in {created['store']}
  regulator  {created['regulator_org']} {regulator_name}: its key is {created['regulator_key_file']} (keep it safe)
  log        {created['log_origin']}: the operator's key is {created['operator_key_file']}
The log operator's verifier key — hand it to whoever verifies proofs and passports (`liftledger log-key` prints it):
  {created['operator_vkey']}
Next: each organization makes its key (`liftledger keys new --out org.key`), the regulator registers it
(`liftledger orgs register --key {created['regulator_key_file']} …`); docs/TUTORIAL.md walks through it.
"""


def cmd_keys_new(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import write_signing_key
    from ledger.core.keys import SigningKey

    key = SigningKey.generate()
    write_signing_key(key, args.out, overwrite=args.force)
    emit(args, {"key_file": args.out, "key_id": key.key_id, "public_key": key.public.base64},
         f"wrote {args.out} (keep it: it signs for your organization)\nkey id      {key.key_id}\n"
         f"public key  {key.public.base64}   ← the registry needs this, never the file")
    return EXIT_OK


def cmd_sign(args: argparse.Namespace) -> int:
    from ledger.adapters.keyfile import load_signing_key
    from ledger.core.signing import prepare_envelope, sign_envelope
    from ledger.core.strictjson import parse_strict

    key = load_signing_key(args.key)
    failed = False
    for number, line in enumerate(_input_lines(sys.stdin.buffer), start=1):
        try:
            if isinstance(line, LedgerError):
                raise line
            unsigned = parse_strict(line, what="envelope")
            if not isinstance(unsigned, dict):
                raise SchemaError("an envelope is a JSON object", path="")
            signed = sign_envelope(prepare_envelope(unsigned, key), key)
        except LedgerError as e:
            failed = True
            print_error(f"line {number}: {describe_error(e)}")
            continue
        sys.stdout.buffer.write(orjson.dumps(signed) + b"\n")
    sys.stdout.buffer.flush()
    return EXIT_FAILED if failed else EXIT_OK


def cmd_template(args: argparse.Namespace) -> int:
    from producers.templates import event_kinds, template

    if args.list:
        kinds = event_kinds()
        if args.json:
            print_json({"types": [kind.to_dict() for kind in kinds]})
        else:
            for kind in kinds:
                roles = ", ".join(f"{role}" + (f" ({'/'.join(licences)})" if licences else "")
                                  for role, licences in kind.roles.items())
                console().print(f"{kind.type:<30} {kind.stream:<9} {roles}")
        return EXIT_OK
    if not args.type or not args.org:
        raise ConfigurationError("give TYPE and --org (or --list)", code="argument.missing")
    overrides: dict[str, object] = {}
    for text in args.sets:
        path, sep, value = text.partition("=")
        if not sep:
            raise ConfigurationError(f"--set {text!r}: write PATH=VALUE", code="argument.set")
        overrides[path] = value
    for text in args.set_json:
        path, sep, value = text.partition("=")
        try:
            overrides[path] = orjson.loads(value) if sep else None
        except orjson.JSONDecodeError:
            raise ConfigurationError(f"--set-json {text!r}: the value is not JSON", code="argument.set") from None
        if not sep:
            raise ConfigurationError(f"--set-json {text!r}: write PATH=JSON", code="argument.set")
    persons = []
    for text in args.person:
        cert_no, sep, role = text.rpartition(":")
        if not sep or not cert_no:
            raise ConfigurationError(f"--person {text!r}: write CERT_NO:ROLE", code="argument.person")
        persons.append({"cert_no": cert_no, "role": role})
    at = int(time.time()) if args.at is None else _instant(args.at)
    envelope = template(args.type, org=args.org, at=at, role=args.role, equipment_code=args.code, persons=persons,
                        overrides=overrides)
    sys.stdout.buffer.write(orjson.dumps(envelope) + b"\n")
    sys.stdout.buffer.flush()
    return EXIT_OK


def _instant(text: str) -> int:
    from ledger.core.identifiers import instant_from_text

    try:
        return instant_from_text(text)
    except ValueError:
        raise ConfigurationError(f"--at {text!r}: use YYYY-MM-DDTHH:MM:SSZ (UTC)", code="argument.time") from None


def cmd_append(args: argparse.Namespace) -> int:
    from ledger.write.service import LedgerService
    from ledger.write.signatures import SignatureChecker

    source: BinaryIO = sys.stdin.buffer if args.file == "-" else _open_input(args.file)
    total = None if args.file == "-" else Path(args.file).stat().st_size
    show = args.progress or sys.stderr.isatty()
    rejected = 0
    with open_store(args) as store, progress_bar("append", total, enabled=show) as bar:
        service = LedgerService(store, signatures=SignatureChecker(processes=args.workers),
                                replay_clock=args.replay_clock)
        for outcomes in service.append_batches(_batches(_input_lines(source), _BATCH)):
            print_json_lines(outcome.to_dict() for outcome in outcomes)
            rejected += sum(1 for outcome in outcomes if outcome.error is not None)
            bar.update(completed=source.tell() if total else 0, total=total)
    return EXIT_FAILED if rejected else EXIT_OK


def _batches(lines: Iterator[bytes | LedgerError], size: int) -> Iterator[list[bytes | LedgerError]]:
    batch: list[bytes | LedgerError] = []
    for line in lines:
        batch.append(line)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _open_input(path: str) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as e:
        raise ConfigurationError(f"cannot read {path}: {e.strerror}") from None


def _input_lines(source: BinaryIO) -> Iterator[bytes | LedgerError]:
    """Lines without their newline; an overlong or empty line becomes a SchemaError in its place."""
    from ledger.core.submission import MAX_LINE_BYTES

    while True:
        line = source.readline(MAX_LINE_BYTES + 1)
        if not line:
            return
        if len(line) > MAX_LINE_BYTES:
            while line and not line.endswith(b"\n"):
                line = source.readline(MAX_LINE_BYTES)
            yield SchemaError(f"line is longer than {MAX_LINE_BYTES} bytes")
            continue
        line = line.rstrip(b"\r\n")
        yield line if line.strip() else SchemaError("empty line")


def cmd_events(args: argparse.Namespace) -> int:
    from ledger.core.chain import GENESIS_HASH
    from ledger.core.identifiers import format_instant

    with open_store(args) as store:
        rows = store.index.stream_rows(args.stream)
        if not rows:
            raise NotFoundError(f"no events for {args.stream}")
        previous = GENESIS_HASH

        def lines() -> Iterator[dict[str, object]]:
            nonlocal previous
            for row, record in rows:
                envelope = orjson.loads(record)
                yield {**envelope, "seq": row.seq, "position": row.position, "prev_hash": previous.hex(),
                       "hash": row.hash.hex(), "recorded_at": format_instant(row.recorded_at)}
                previous = row.hash

        print_json_lines(lines())
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    from ledger.store.backup import backup_store

    with open_store(args) as store:  # a store of this version, or a typed refusal naming the URL
        url = store.url
    done = backup_store(url, args.out)
    emit(args, {"store": url.display(), "backup": done.path, "bytes": done.bytes, "method": done.method},
         f"backed up {url.display()} to {done.path} ({done.bytes:,} bytes, {done.method}); restore it with "
         f"liftledger restore {done.path} --store URL, then liftledger verify")
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from ledger.store.backup import restore_store
    from ledger.store.url import parse_store_url

    url = parse_store_url(args.store)
    done = restore_store(args.backup, url)
    with open_store(args):  # the restored store opens as one of this version (or `migrate` says why not)
        pass
    emit(args, {"store": url.display(), "backup": args.backup, "method": done.method},
         f"restored {args.backup} to {url.display()} ({done.method}); now run liftledger verify --store "
         f"{url.display()}")
    return EXIT_OK


def cmd_schemas(args: argparse.Namespace) -> int:
    from ledger.core.schema.published import published_schemas

    out = Path(args.out)
    want = published_schemas()
    on_disk = {str(p.relative_to(out)): p.read_text(encoding="utf-8") for p in out.rglob("*.json")} \
        if out.is_dir() else {}
    stale = sorted(path for path in want.keys() | on_disk.keys() if want.get(path) != on_disk.get(path))
    if args.check:
        print_json({"directory": str(out), "stale": stale})
        return EXIT_FAILED if stale else EXIT_OK
    for path in stale:
        target = out / path
        if path not in want:
            target.unlink()
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(want[path], encoding="utf-8")
    print_json({"directory": str(out), "files": len(want), "written": [p for p in stale if p in want],
                "removed": [p for p in stale if p not in want]})
    return EXIT_OK


def cmd_verify(args: argparse.Namespace) -> int:
    from ledger.store.verify import verify_store

    anchors = trust_anchors(args) if args.trust else None
    if anchors is None and (args.checkpoint or args.since or args.regulator_key or args.regulator_trust):
        raise ConfigurationError("--checkpoint, --since and a regulator root need --trust OPERATOR_VKEY")
    held = _read_text(args.checkpoint or args.since) if (args.checkpoint or args.since) else None
    with open_store(args) as store:
        show = not args.json and sys.stderr.isatty()
        with progress_bar("verify", store.audit.max_event_position(), enabled=show) as bar:
            def progress(done: int, total: int) -> None:
                bar.update(completed=done, total=total)

            if args.since:
                from ledger.store.audit_since import verify_since

                assert anchors is not None and held is not None
                report = verify_since(store.url, held, anchors, progress=progress, store=store)
            else:
                report = verify_store(store.url, signatures=not args.no_signatures, workers=args.workers,
                                      progress=progress, store=store if args.workers <= 1 else None,
                                      anchors=anchors, checkpoint=held)
    if args.json:
        print_json(report.to_dict())
    else:
        summary = report.to_dict()
        what = "chains, index and Merkle log" + ("" if args.no_signatures else ", signatures, keys and rules")
        if args.since:
            what += f" of what was appended after the checkpoint of size {report.since_size}"
        if report.ok:
            console().print(f"[green]OK[/green] verified {what}: {summary['events']} events in "
                          f"{summary['elevators']} elevators and {summary['organizations']} organizations, "
                          f"{summary['signatures_verified']} signatures, tree size {summary['tree_size']}, "
                          f"{summary['merkle_nodes']} Merkle nodes, {summary['seconds']} s")
            if report.extends is not None:
                console().print(f"the store extends the checkpoint held (size {report.extends})")
            for fact in report.operator_word:
                console().print(f"[yellow]only the operator's word:[/yellow] {fact}")
        else:
            console().print(f"[red]FAILED[/red] {report.failure}")
    return EXIT_OK if report.ok else EXIT_FAILED


def _read_text(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigurationError(f"cannot read the checkpoint {path}: {e}") from None
