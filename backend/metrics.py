"""Prometheus metrics of the backend, on a registry of its own (so tests can run many backends)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.ticks_in = Counter("quantdesk_ticks_in", "Oracle observations accepted", ["source"], registry=r)
        self.ticks_out = Counter("quantdesk_ticks_out", "Price pushes sent to clients", registry=r)
        self.clients = Gauge("quantdesk_clients", "Connected API clients", registry=r)
        self.request_latency = Histogram(
            "quantdesk_request_seconds",
            "API request handling time",
            ["op"],
            registry=r,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0),
        )
        self.errors = Counter("quantdesk_errors", "Error replies by code", ["code"], registry=r)
        self.oracle_rejects = Counter(
            "quantdesk_oracle_rejects", "Oracle messages rejected", ["source", "reason"], registry=r
        )
        self.feed_state = Gauge("quantdesk_feed_healthy", "1 healthy, 0.5 degraded, 0 down", ["source"], registry=r)
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
        return generate_latest(self.registry)
