"""Prometheus metrics, one registry per app (so several apps can live in one test process)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from imagelens.types import JobStatus

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


class _JobStates(Collector):
    """Reads job counts by state from the database at scrape time."""

    def __init__(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self._counts = counts

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily("imagelens_jobs", "Image jobs by state.", labels=["status"])
        counts = self._counts()
        for status in JobStatus:
            family.add_metric([status], counts.get(status, 0))
        yield family


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "imagelens_http_requests",
            "HTTP requests by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "imagelens_http_request_seconds",
            "HTTP request latency.",
            ["method", "route"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.stage = Histogram(
            "imagelens_analyzer_seconds",
            "Time per analysis stage (intake, each analyzer, compose, total).",
            ["stage"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.jobs_finished = Counter(
            "imagelens_jobs_finished",
            "Jobs finished by outcome.",
            ["status"],
            registry=self.registry,
        )

    def watch_jobs(self, counts: Callable[[], Mapping[str, int]]) -> None:
        self.registry.register(_JobStates(counts))

    def observe_stages(self, timings_ms: Mapping[str, float]) -> None:
        for stage, ms in timings_ms.items():
            self.stage.labels(stage=stage).observe(ms / 1000)
