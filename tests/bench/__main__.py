"""Run every benchmark: ``python -m tests.bench [name ...]``."""

import importlib
import json
import os
import pkgutil
import sys
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/portal_bench")


def _ensure_database():
    import psycopg

    url = os.environ["DATABASE_URL"]
    name = url.rsplit("/", 1)[1]
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')


def main(selected: list[str]) -> int:
    _ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import tests.bench as package
    from tests.bench import BENCHMARKS, Bench

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"tests.bench.{module.name}")
    report = {}
    if not BENCHMARKS:
        print("Aucun benchmark enregistré pour l'instant.")
    for name, function in BENCHMARKS:
        if selected and name not in selected:
            continue
        bench = Bench(name)
        started = time.perf_counter()
        function(bench)
        bench.record("durée totale", round(time.perf_counter() - started, 2), "s")
        report[name] = bench.results
        print(f"\n== {name}")
        for metric, result in bench.results.items():
            goal = f"   (objectif : {result['goal']})" if result["goal"] else ""
            print(f"  {metric:<48} {result['value']!s:>14} {result['unit']}{goal}")
    output = Path(settings.BASE_DIR) / "var" / "bench.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"\nRésultats écrits dans {output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
