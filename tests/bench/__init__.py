"""Benchmarks of `make bench`. Speed is measured here, never in timed tests.

Each benchmark is a function registered with ``@benchmark`` that receives a ``Bench`` (to record numbers) and runs
against the real PostgreSQL and Redis, on its own database ``portal_bench``. The runner prints a table and writes
``var/bench.json``.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

BENCHMARKS: list[tuple[str, Callable]] = []


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
