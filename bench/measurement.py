"""Timed turns of one variant and the figures they add up to."""

import statistics
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    key: str
    label: str
    server: str  # "gunicorn" or "uvicorn"
    path: str


@dataclass
class Batch:
    latencies_ms: list[float]
    seconds: float
    new_pg_connections: int
    tcp_connects: int
    # CPU time, which other work on the machine barely changes, unlike latency.
    app_cpu_seconds: float
    pg_cpu_seconds: float


@dataclass
class Measurement:
    variant: Variant
    concurrency: int
    batches: list[Batch] = field(default_factory=list)

    @property
    def latencies_ms(self) -> list[float]:
        return [ms for batch in self.batches for ms in batch.latencies_ms]

    def median_ms(self) -> float:
        return statistics.median(self.latencies_ms)

    def app_cpu_ms(self) -> float:
        seconds = sum(batch.app_cpu_seconds for batch in self.batches)
        return 1000 * seconds / len(self.latencies_ms)

    def summary(self, reference: "Measurement") -> dict[str, Any]:
        latencies = self.latencies_ms
        requests = len(latencies)
        median, app_cpu_ms = self.median_ms(), self.app_cpu_ms()
        pg_cpu_seconds = sum(batch.pg_cpu_seconds for batch in self.batches)
        new_connections = sum(batch.new_pg_connections for batch in self.batches)
        seconds = sum(batch.seconds for batch in self.batches)
        return {
            "variant": self.variant.key,
            "label": self.variant.label,
            "concurrency": self.concurrency,
            "requests": requests,
            "median_ms": round(median, 3),
            "p90_ms": round(statistics.quantiles(latencies, n=10)[-1], 3),
            "mean_ms": round(statistics.fmean(latencies), 3),
            "requests_per_second": round(requests / seconds, 1),
            "median_vs_baseline_wsgi": round(median / reference.median_ms(), 2),
            "app_cpu_ms_per_request": round(app_cpu_ms, 2),
            "app_cpu_vs_baseline_wsgi": round(app_cpu_ms / reference.app_cpu_ms(), 2),
            "pg_cpu_ms_per_request": round(1000 * pg_cpu_seconds / requests, 2),
            "new_pg_connections": new_connections,
            "new_pg_connections_per_request": round(new_connections / requests, 3),
            "tcp_connects": sum(batch.tcp_connects for batch in self.batches),
            "turn_medians_ms": [
                round(statistics.median(batch.latencies_ms), 3)
                for batch in self.batches
            ],
        }
