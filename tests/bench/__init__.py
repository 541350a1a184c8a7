"""Benchmarks of `make bench`. Speed is measured here, never in timed tests.

Each benchmark is a function registered with ``@benchmark`` that receives a ``Bench`` (to record numbers) and runs
against the real PostgreSQL and Redis, on its own database ``portal_bench``. The runner prints a table and writes
``var/bench.json``, whose top-level ``"summary"`` holds the figures of issue 19 (``SUMMARY_KEYS``; ``None`` for a
measurement that did not run).

Sizes: ``python -m tests.bench --scale 0.1`` (``make bench-quick``) runs the same benchmarks on a tenth of the data;
each benchmark sizes its data with ``scaled(n)``.
"""

import os
from collections.abc import Callable
from dataclasses import dataclass, field

BENCHMARKS: list[tuple[str, Callable]] = []

SUMMARY_KEYS = (
    "page_p95_ratio_max",
    "page_p95_worst",
    "floor_p95_ms",
    "tenants_ratio_max",
    "compute_ratio_h1",
    "compute_ratio_h2",
    "eligibility_full_ratio",
    "eligibility_one_p95_ms",
    "import_csv_rows_s",
    "import_xlsx_rows_s",
    "export_ratio_copy",
    "export_rss_mb",
    "request_rss_max_mb",
    "interventions_in_region",
    "interventions_total",
    "regions",
)
SUMMARY: dict = dict.fromkeys(SUMMARY_KEYS)


def scale() -> float:
    """The share of the target volume this run works on (1 for ``make bench``, 0.1 for ``make bench-quick``)."""
    return float(os.environ.get("BENCH_SCALE", "1"))


def scaled(count: int, minimum: int = 1) -> int:
    return max(minimum, round(count * scale()))


def summarize(key: str, value) -> None:
    if key not in SUMMARY:
        raise KeyError(f"{key} n'est pas une clé du résumé")
    SUMMARY[key] = value


def benchmark(name: str):
    def register(function):
        BENCHMARKS.append((name, function))
        return function

    return register


@dataclass
class Bench:
    name: str
    results: dict = field(default_factory=dict)

    def record(self, metric: str, value, unit: str = "", goal: str = "") -> None:
        self.results[metric] = {"value": value, "unit": unit, "goal": goal}
