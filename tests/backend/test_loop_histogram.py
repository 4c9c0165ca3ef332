"""`LoopHistogram` (backend/metrics.py): the per-request latency histogram, rendered exactly as
prometheus_client renders a Histogram of the same observations."""

from __future__ import annotations

import re

from prometheus_client import CollectorRegistry, Histogram, generate_latest

from backend.metrics import REQUEST_BUCKETS, LoopHistogram, Metrics

# on a bound, between bounds, above the last, zero
OBSERVED = {"order.place": [0.0005, 0.0007, 0.001, 0.003, 0.003, 2.5, 0.0], "quote": [0.02, 1.0]}


def _rendered(kind: type) -> str:
    registry = CollectorRegistry()
    if kind is Histogram:
        histogram: object = Histogram(
            "quantdesk_request_seconds", "API request handling time", ["op"], registry=registry, buckets=REQUEST_BUCKETS
        )
    else:
        histogram = LoopHistogram("quantdesk_request_seconds", "API request handling time", REQUEST_BUCKETS, registry)
    for op, values in OBSERVED.items():
        child = histogram.labels(op)  # type: ignore[attr-defined]
        for value in values:
            child.observe(value)
    return re.sub(r"(_created\{[^}]*\}) \S+", r"\1 T", generate_latest(registry).decode())  # creation times differ


def test_the_loop_histogram_renders_what_a_prometheus_histogram_renders():
    expected = _rendered(Histogram)
    assert 'quantdesk_request_seconds_bucket{le="0.001",op="order.place"} 4.0' in expected
    assert 'quantdesk_request_seconds_count{op="order.place"} 7.0' in expected
    assert _rendered(LoopHistogram) == expected


def test_the_backend_metrics_count_a_request_in_its_bucket():
    metrics = Metrics()
    metrics.request_latency.labels("order.place").observe(0.004)
    text = metrics.render().decode()
    assert 'quantdesk_request_seconds_bucket{le="0.0025",op="order.place"} 0.0' in text
    assert 'quantdesk_request_seconds_bucket{le="0.005",op="order.place"} 1.0' in text
    assert 'quantdesk_request_seconds_sum{op="order.place"} 0.004' in text
