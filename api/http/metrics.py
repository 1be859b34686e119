"""Prometheus metrics at ``/metrics`` (prometheus-client's text format), for the operator's dashboards and alerts.

Two kinds. Read from the store when scraped, so they are true whichever process wrote — HTTP, Kafka workers, the
CLI: the log's size (``rate(liftledger_log_records_total[5m])`` is the ingest rate of the whole ledger), each
view's lag behind the log, the latest checkpoint's age and the records not yet under one, and which witnesses
cosigned it. Counted by this process: the outcome of every submission it decided (accepted, duplicate, or refused
with its code) and its HTTP requests by route and status, with their duration.

=================================================  =========  ======================================================
metric                                             type       meaning
=================================================  =========  ======================================================
liftledger_log_records_total                       counter    records in the transparency log (all writers)
liftledger_projection_lag_records{view}            gauge      records a view has not folded yet
liftledger_checkpoint_age_seconds                  gauge      since the latest checkpoint was issued (absent: none)
liftledger_checkpoint_size                         gauge      the latest checkpoint's tree size
liftledger_log_records_unchecked                   gauge      records not yet under a signed checkpoint
liftledger_checkpoint_witnesses                    gauge      cosignatures on the latest checkpoint
liftledger_witness_cosigned{witness}               gauge      1 if that witness cosigned the latest checkpoint
liftledger_submissions_total{outcome,code}         counter    decisions of this process: accepted, duplicate,
                                                              rejected (with the refusal's code)
liftledger_http_requests_total{route,status}       counter    requests served
liftledger_http_request_seconds{route}             histogram  how long they took
=================================================  =========  ======================================================
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ledger.core.errors import NotFoundError

if TYPE_CHECKING:
    from api.http.services import Services
    from ledger.write.service import Outcome

__all__ = ["CONTENT_TYPE", "LedgerMetrics", "RequestMetrics"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class LedgerMetrics:
    """The registry of one server: the store-read collector and this process's counters."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.registry = CollectorRegistry(auto_describe=False)
        self.registry.register(_StoreCollector(services))
        self.submissions = Counter("liftledger_submissions", "submissions decided by this process",
                                   ("outcome", "code"), registry=self.registry)
        self.requests = Counter("liftledger_http_requests", "HTTP requests served", ("route", "status"),
                                registry=self.registry)
        self.latency = Histogram("liftledger_http_request_seconds", "HTTP request duration", ("route",),
                                 registry=self.registry)
        services.ctx.observers.append(self.observe)

    def observe(self, outcomes: Sequence[Outcome]) -> None:
        for outcome in outcomes:
            if outcome.error is not None:
                self.submissions.labels("rejected", outcome.error.code).inc()
            else:
                self.submissions.labels("duplicate" if outcome.duplicate else "accepted", "").inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _StoreCollector:
    """Values read from the store and the views at scrape time."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def collect(self) -> Iterator[Metric]:
        ctx = self.services.ctx
        size = ctx.store.tree.tree_size()
        yield CounterMetricFamily("liftledger_log_records", "records in the transparency log", value=size)
        lag = GaugeMetricFamily("liftledger_projection_lag_records", "records a view has not folded yet",
                                labels=["view"])
        head = ctx.store.index.max_position()
        for view, position in sorted(self.services.analytics.projections.positions().items()):
            lag.add_metric([view], max(0, head - position))
        yield lag
        yield from self._checkpoint(size)

    def _checkpoint(self, size: int) -> Iterator[Metric]:
        try:
            latest = self.services.ctx.log.latest()
        except NotFoundError:
            yield GaugeMetricFamily("liftledger_log_records_unchecked", "records not under a signed checkpoint",
                                    value=size)
            return
        now = self.services.ctx.now()
        yield GaugeMetricFamily("liftledger_checkpoint_age_seconds", "since the latest checkpoint was issued",
                                value=max(0, now - latest.issued_at))
        yield GaugeMetricFamily("liftledger_checkpoint_size", "the latest checkpoint's tree size", value=latest.size)
        yield GaugeMetricFamily("liftledger_log_records_unchecked", "records not under a signed checkpoint",
                                value=max(0, size - latest.size))
        yield GaugeMetricFamily("liftledger_checkpoint_witnesses", "cosignatures on the latest checkpoint",
                                value=len(latest.cosigners))
        witnesses = GaugeMetricFamily("liftledger_witness_cosigned", "1 if the witness cosigned the latest "
                                      "checkpoint", labels=["witness"])
        for name in sorted(set(latest.cosigners) | self._known_witnesses()):
            witnesses.add_metric([name], 1.0 if name in latest.cosigners else 0.0)
        yield witnesses

    def _known_witnesses(self) -> set[str]:
        """Witnesses that cosigned any of the last checkpoints: one missing from the latest shows as 0."""
        recent = self.services.ctx.log.checkpoints()[-20:]
        return {name for issued in recent for name in issued.cosigners}


class RequestMetrics:
    """Counts and times every HTTP request by its route template (``/v1/elevators/{code}``, not the code)."""

    def __init__(self, app: ASGIApp, metrics: LedgerMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def record_status(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, record_status)
        finally:
            route = getattr(scope.get("route"), "path", None) or ("static" if scope["path"].startswith(
                ("/static", "/docs-assets")) else "unrouted")
            self.metrics.requests.labels(route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - started)
