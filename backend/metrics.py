"""Prometheus metrics of the backend, on a registry of its own (so tests can run many backends)."""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Sequence

import prometheus_client.metrics
from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.metrics_core import Metric
from prometheus_client.utils import floatToGoString

REQUEST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.ticks_in = Counter("quantdesk_ticks_in", "Oracle observations accepted", ["source"], registry=r)
        self.ticks_out = Counter("quantdesk_ticks_out", "Price pushes sent to clients", registry=r)
        self.clients = Gauge("quantdesk_clients", "Connected API clients", registry=r)
        self.request_latency = LoopHistogram(
            "quantdesk_request_seconds", "API request handling time", REQUEST_BUCKETS, r
        )
        self.errors = Counter("quantdesk_errors", "Error replies by code", ["code"], registry=r)
        self.oracle_rejects = Counter(
            "quantdesk_oracle_rejects", "Oracle messages rejected", ["source", "reason"], registry=r
        )
        self.feed_state = Gauge("quantdesk_feed_healthy", "1 healthy, 0.5 degraded, 0 down", ["source"], registry=r)
        self.before_render: list[Callable[[], None]] = []  # what sets gauges from live state, run at each scrape
        self.store_commits = Gauge("quantdesk_store_commits", "Group commits so far", registry=r)
        self.store_writable = Gauge(
            "quantdesk_store_writable", "1 while the store accepts writes, 0 after a fault", registry=r
        )
        self.store_faults = Counter(
            "quantdesk_store_faults", "Store write faults (disk full, I/O, read-only)", registry=r
        )
        self.oracle_jump_decisions = Counter(
            "quantdesk_oracle_jump_decisions",
            "Price jumps confirmed, refuted, pending or accepted unverified",
            ["source", "decision"],
            registry=r,
        )

        self.connections_refused = Counter(
            "quantdesk_connections_refused",
            "Connections refused or closed by the admission limits",
            ["reason"],
            registry=r,
        )
        self.connections_open = Gauge("quantdesk_connections_open", "Open API connections", ["state"], registry=r)

    def render(self) -> bytes:
        for refresh in self.before_render:
            refresh()
        return generate_latest(self.registry)


class Timings:
    """One op's observations: a count per bucket, the total count and the sum."""

    __slots__ = ("bounds", "counts", "count", "sum", "created")

    def __init__(self, bounds: tuple[float, ...], created: float) -> None:
        self.bounds = bounds
        self.counts = [0] * len(bounds)  # per bucket, not cumulative; above the last bound only in count
        self.count = 0
        self.sum = 0.0
        self.created = created

    def observe(self, seconds: float) -> None:
        i = bisect_left(self.bounds, seconds)  # the first bound >= seconds: Prometheus buckets are le
        if i < len(self.counts):
            self.counts[i] += 1
        self.count += 1
        self.sum += seconds


class LoopHistogram:
    """A histogram labelled by `op` for timings observed once per request on the event loop: an
    observation is a bisect and three additions, where prometheus_client's Histogram takes a lock per
    value it bumps (~2.7 µs a request). The registry renders it exactly as it renders a Histogram
    (cumulative `_bucket`s, `_count`, `_sum`, `_created`). Not for observing from other threads."""

    def __init__(self, name: str, documentation: str, buckets: Sequence[float], registry: CollectorRegistry) -> None:
        self.name = name
        self.documentation = documentation
        self.bounds = tuple(float(b) for b in buckets)
        self._children: dict[str, Timings] = {}
        registry.register(self)  # a collector is anything with collect()

    def labels(self, op: str) -> Timings:
        child = self._children.get(op)
        if child is None:
            child = self._children[op] = Timings(self.bounds, time.time())
        return child

    def collect(self) -> Iterator[Metric]:
        metric = Metric(self.name, self.documentation, "histogram")
        for op, child in list(self._children.items()):
            cumulative = 0
            for bound, count in zip(self.bounds, child.counts):
                cumulative += count
                metric.add_sample(f"{self.name}_bucket", {"op": op, "le": floatToGoString(bound)}, float(cumulative))
            metric.add_sample(f"{self.name}_bucket", {"op": op, "le": "+Inf"}, float(child.count))
            metric.add_sample(f"{self.name}_count", {"op": op}, float(child.count))
            metric.add_sample(f"{self.name}_sum", {"op": op}, child.sum)
            if getattr(prometheus_client.metrics, "_use_created", True):
                metric.add_sample(f"{self.name}_created", {"op": op}, child.created)
        yield metric
