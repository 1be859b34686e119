"""CLI commands of the producer side and the Kafka path: simulate, ingest, iot.

    liftledger simulate --elevators 2000 --years 3 --seed 1 --out city.jsonl     # + city.truth.json
    liftledger append city.jsonl --store sqlite:///new.sqlite                     # as it is, into a fresh store
    liftledger simulate --kafka HOST:PORT --topic liftledger.events               # the same city, to Kafka
    liftledger ingest --kafka HOST:PORT --topic liftledger.events --group ledger --store postgresql://…
    liftledger iot --terminals terminals.json < messages.jsonl > events.jsonl
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from api.cli.common import EXIT_FAILED, EXIT_OK, open_store, store_argument
from api.cli.output import emit, print_error, progress_bar
from ledger.core.errors import ConfigurationError, SchemaError
from ledger.core.identifiers import format_instant

if TYPE_CHECKING:
    from producers.iot import Terminal
    from producers.simulator import CityConfig, GroundTruth
    from producers.world import ExistingRegulator

__all__ = ["register"]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _register_simulate(sub)
    _register_ingest(sub)
    p = sub.add_parser("iot", help="turn GB/T 24476-style terminal messages (JSON lines) into signed events")
    p.add_argument("--terminals", required=True,
                   help="JSON list of {terminal_id, equipment_code, org, key_file} for the terminals served")
    p.add_argument("file", nargs="?", default="-", help="messages, one JSON object per line (default: stdin)")
    p.set_defaults(run=cmd_iot)


# --- simulate ------------------------------------------------------------------------------------------------


def _register_simulate(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Options left out (None) keep the simulator's defaults (producers/simulator/config.py).
    p = sub.add_parser("simulate",
                       help="generate a synthetic city's signed lifecycle events (deterministic per seed)")
    p.add_argument("--elevators", type=int, help="how many elevators the city has (default 2000)")
    p.add_argument("--years", type=int, help="how many years the window covers (default 3)")
    p.add_argument("--seed", type=int, help="the seed: the same seed and options give the same bytes")
    p.add_argument("--end", help="the window's end date (exclusive), YYYY-MM-DD")
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--out", help="write JSON lines here (- for stdout)")
    target.add_argument("--kafka", metavar="HOST:PORT", help="publish to this Kafka cluster instead")
    p.add_argument("--topic", help="the Kafka topic (with --kafka)")
    p.add_argument("--partitions", type=int, default=3, help="partitions if the topic must be created")
    p.add_argument("--truth", help="where the ground truth goes (default: beside --out, or <topic>.truth.json)")
    p.add_argument("--bad-rate", type=float, help="injected bad submissions per elevator event")
    p.add_argument("--fraud-scale", type=float, default=1.0, help="multiply every fraud rate")
    p.add_argument("--false-maintenance", metavar="A=R,B=R,C=R,D=R",
                   help="fabricated maintenance records per grade (default A=0.005,B=0.015,C=0.05,D=0.08)")
    p.add_argument("--repair-fund-rate", type=float, help="repair-fund fraud per elevator-year")
    p.add_argument("--part-substitution-rate", type=float, help="share of replacements with non-OEM parts")
    p.add_argument("--bypass-rate", type=float, help="share of monitored units with a bypassed safety circuit")
    p.add_argument("--iot-share", type=float, help="share of elevators with an IoT terminal")
    p.add_argument("--regulator-key", metavar="KEYFILE", default=None,
                   help="sign the registry with this regulator key (the one `liftledger init` wrote), so the output "
                        "appends to that store; default: a regulator of the simulation's own, with its genesis")
    p.add_argument("--regulator-org", default=None,
                   help="the regulator's 统一社会信用代码 with --regulator-key (default: init's)")
    p.add_argument("--progress", action="store_true", help="show a progress bar even when stderr is not a terminal")
    p.set_defaults(run=cmd_simulate)


def city_config(args: argparse.Namespace) -> CityConfig:
    from producers.simulator.config import CityConfig

    defaults = CityConfig()
    fraud = defaults.fraud
    if args.false_maintenance:
        fraud = replace(fraud, false_maintenance=_grade_rates(args.false_maintenance))
    fraud = replace(fraud, **_given({"repair_fund": args.repair_fund_rate,
                                     "part_substitution": args.part_substitution_rate, "bypass": args.bypass_rate}))
    return replace(
        defaults, **_given({"elevators": args.elevators, "years": args.years, "seed": args.seed, "end": args.end}),
        rates=replace(defaults.rates, **_given({"iot_share": args.iot_share})),
        bad=replace(defaults.bad, **_given({"rate": args.bad_rate})),
        fraud=fraud.scaled(args.fraud_scale),
    )


def _given(options: dict[str, Any]) -> dict[str, Any]:
    """The options given on the command line; the others keep their dataclass defaults."""
    return {name: value for name, value in options.items() if value is not None}


def _grade_rates(text: str) -> dict[str, float]:
    rates = {}
    for part in text.split(","):
        grade, _, value = part.partition("=")
        if grade.strip() not in ("A", "B", "C", "D") or not value:
            raise ConfigurationError(f"--false-maintenance wants A=rate,B=rate,…; got {part!r}")
        rates[grade.strip()] = float(value)
    return rates


def cmd_simulate(args: argparse.Namespace) -> int:
    from producers.simulator.run import simulate_to_file, truth_path_for

    config = city_config(args)
    regulator = _existing_regulator(args)
    show = args.progress or sys.stderr.isatty()
    with progress_bar("simulating", None, enabled=show) as bar:
        def progress(now: int, records: int, start: int, end: int) -> None:
            bar.update(completed=max(0, min(now, end) - start) // 86400, total=(end - start) // 86400)
        if args.kafka:
            truth = _simulate_to_kafka(args, config, progress, regulator)
            truth_path = Path(args.truth or f"{args.topic}.truth.json")
        else:
            out = sys.stdout.buffer if args.out == "-" else args.out
            truth = simulate_to_file(config, out, progress=progress, regulator=regulator)
            truth_path = Path(args.truth) if args.truth else truth_path_for(
                "simulated.jsonl" if args.out == "-" else args.out)
    truth.write(truth_path)
    summary = {"records": truth.records, "bad_submissions": len(truth.bad_submissions),
               "fraud_cases": len(truth.fraud), "truth": str(truth_path), "window": truth.config["window"]}
    if args.out == "-":
        print_error(orjson.dumps(summary).decode())
    else:
        emit(args, summary)
    return EXIT_OK


def _existing_regulator(args: argparse.Namespace) -> ExistingRegulator | None:
    from api.cli.ledger_commands import DEFAULT_REGULATOR_ORG
    from ledger.adapters.keyfile import load_signing_key
    from producers.world import ExistingRegulator

    if args.regulator_key is None:
        if args.regulator_org is not None:
            raise ConfigurationError("--regulator-org goes with --regulator-key", code="argument.conflict")
        return None
    return ExistingRegulator(args.regulator_org or DEFAULT_REGULATOR_ORG, "市场监督管理局",
                             load_signing_key(args.regulator_key))


def _simulate_to_kafka(args: argparse.Namespace, config: CityConfig,
                       progress: Callable[[int, int, int, int], None],
                       regulator: ExistingRegulator | None) -> GroundTruth:
    from producers.publish import KafkaPublisher, ensure_topic
    from producers.simulator.run import simulate_to_kafka

    if not args.topic:
        raise ConfigurationError("--kafka needs --topic")
    ensure_topic(args.kafka, args.topic, args.partitions)
    with KafkaPublisher(args.kafka, args.topic) as publisher:
        return simulate_to_kafka(config, publisher, progress=progress, regulator=regulator)


# --- ingest --------------------------------------------------------------------------------------------------


def _register_ingest(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # Options left out (None) keep the worker's defaults (ledger/adapters/kafka_ingest.py IngestConfig).
    p = sub.add_parser("ingest", help="consume signed events from Kafka into the ledger (a consumer-group member)")
    store_argument(p)
    p.add_argument("--kafka", required=True, metavar="HOST:PORT", help="bootstrap servers (comma-separated)")
    p.add_argument("--topic", required=True, help="the topic producers publish to")
    p.add_argument("--group", required=True, help="consumer group: workers in one group share the partitions")
    dlq = p.add_mutually_exclusive_group()
    dlq.add_argument("--dlq-topic", help="dead-letter topic (default: <topic>.dlq)")
    dlq.add_argument("--no-dlq", action="store_true", help="keep dead letters in the store only")
    p.add_argument("--batch", type=int, help="records per batch (one transaction)")
    p.add_argument("--workers", type=int, default=2,
                   help="processes that check signatures while batches are fetched, parsed and decided (0: inline)")
    p.add_argument("--session-timeout-ms", type=int, help="the consumer group's session timeout")
    p.add_argument("--max-poll-interval-ms", type=int,
                   help="the longest pause between polls before the group reassigns")
    p.add_argument("--report-every", type=float, metavar="SECONDS",
                   help="report throughput and lag (JSON lines on stderr) this often")
    p.add_argument("--exit-when-idle", type=float, metavar="SECONDS",
                   help="stop once caught up and idle this long (default: run until SIGTERM)")
    p.add_argument("--metrics-port", type=int, default=None, metavar="PORT",
                   help="serve Prometheus metrics (records appended, refused, lag) on this port")
    p.add_argument("--client-id", help="this worker's Kafka client id (default: from the host and process)")
    p.set_defaults(run=cmd_ingest)


def cmd_ingest(args: argparse.Namespace) -> int:
    from ledger.adapters.kafka_ingest import IngestConfig, IngestWorker
    from ledger.write.signatures import SignatureChecker

    config = IngestConfig(
        bootstrap=args.kafka, topic=args.topic, group=args.group, dlq_topic="" if args.no_dlq else args.dlq_topic,
        exit_when_idle_s=args.exit_when_idle,
        **_given({"batch_size": args.batch, "session_timeout_ms": args.session_timeout_ms,
                  "max_poll_interval_ms": args.max_poll_interval_ms, "client_id": args.client_id,
                  "report_every_s": args.report_every}),
    )
    config = replace(config, heartbeat_interval_ms=max(500, config.session_timeout_ms // 3))
    with open_store(args) as store:
        worker = IngestWorker(store, config, signatures=SignatureChecker(processes=args.workers),
                              report=_metered(_report, args.metrics_port))
        previous = {sig: signal.signal(sig, lambda *_: worker.stop()) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            stats = worker.run()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    emit(args, {"store": store.url.display(), **stats.to_dict()})
    return EXIT_OK


def _report(event: dict[str, Any]) -> None:
    sys.stderr.buffer.write(orjson.dumps({"at": format_instant(int(time.time())), **event}) + b"\n")
    sys.stderr.buffer.flush()


def _metered(report: Callable[[dict[str, Any]], None], port: int | None) -> Callable[[dict[str, Any]], None]:
    """The worker's reports, also kept as Prometheus gauges served on ``port`` (one per numeric field)."""
    if port is None:
        return report
    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    registry = CollectorRegistry()
    gauges: dict[str, Gauge] = {}
    start_http_server(port, registry=registry)

    def both(event: dict[str, Any]) -> None:
        for name, value in event.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                if name not in gauges:
                    gauges[name] = Gauge(f"liftledger_ingest_{name}", f"the ingest worker's {name}",
                                         registry=registry)
                gauges[name].set(value)
        report(event)

    return both


# --- iot -----------------------------------------------------------------------------------------------------


def cmd_iot(args: argparse.Namespace) -> int:
    from producers.iot import IotAdapter

    adapter = IotAdapter(_load_terminals(args.terminals))
    rejected = 0
    out = sys.stdout.buffer
    for number, result in enumerate(adapter.convert_lines(_lines(args.file)), start=1):
        if isinstance(result, SchemaError):
            rejected += 1
            where = f" (at {result.path})" if result.path else ""
            print_error(f"line {number}: {result.code}: {result.message}{where}")
            continue
        out.write(orjson.dumps(result) + b"\n")
    out.flush()
    return EXIT_FAILED if rejected else EXIT_OK


def _load_terminals(path: str) -> list[Terminal]:
    from ledger.adapters.keyfile import load_signing_key
    from producers.client import Producer
    from producers.iot import Terminal

    try:
        entries = orjson.loads(Path(path).read_bytes())
    except (OSError, orjson.JSONDecodeError) as e:
        raise ConfigurationError(f"cannot read terminals from {path}: {e}") from None
    terminals = []
    for entry in entries if isinstance(entries, list) else []:
        key = load_signing_key(Path(path).parent / entry["key_file"])
        device = entry["terminal_id"]
        terminals.append(Terminal(device, entry["equipment_code"],
                                  Producer(entry["org"], "iot_terminal", key, device=device)))
    if not terminals:
        raise ConfigurationError(f"{path} lists no terminals")
    return terminals


def _lines(path: str) -> Iterator[bytes]:
    source = sys.stdin.buffer if path == "-" else open(path, "rb")  # noqa: SIM115
    for raw in source:
        line = raw.strip()
        if line:
            yield line
