#!/usr/bin/env bash
# The compose deployment end to end, where a container runtime runs (it needs `docker compose` and a daemon):
# build, start, publish a small simulated city to the broker, wait until the ingest workers have appended it and
# the projection runner has folded it, check the API, the console, /metrics and a full verification, then tear
# everything down (volumes included). Exits non-zero at the first thing that is not so.
set -euo pipefail
cd "$(dirname "$0")/.."
compose() { docker compose "$@"; }
trap 'compose down -v --remove-orphans >/dev/null 2>&1 || true' EXIT

compose up -d --build --wait
curl -fsS http://127.0.0.1:8000/healthz
compose run --rm tools simulate --elevators 20 --years 1 --seed 3 --bad-rate 0 \
    --regulator-key /keys/regulator.key --kafka broker:9092 --topic liftledger.events --truth /tmp/truth.json --json
expected=$(compose run --rm tools events 11310000MB0000001C --json | wc -l)   # the registry stream is there
test "$expected" -ge 1
for _ in $(seq 1 120); do
    records=$(curl -fsS http://127.0.0.1:8000/metrics | awk '/^liftledger_log_records_total/ {print int($2)}')
    lag=$(curl -fsS http://127.0.0.1:8000/metrics | awk '/^liftledger_projection_lag_records/ {s += $2} END {print int(s)}')
    if [ "${records:-0}" -gt 1000 ] && [ "${lag:-1}" -eq 0 ]; then break; fi
    sleep 2
done
echo "log records: $records, projection lag: $lag"
test "$records" -gt 1000 && test "$lag" -eq 0
curl -fsS http://127.0.0.1:8000/docs >/dev/null
curl -fsS http://127.0.0.1:8000/docs-assets/swagger-ui-bundle.js >/dev/null
compose run --rm tools verify --json
compose run --rm tools checkpoint --operator-key /keys/operator.key --json
echo "smoke test passed"
