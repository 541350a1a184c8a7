"""Run every benchmark: ``python -m tests.bench [--scale 0.1] [name ...]`` (``--scale``: share of the target
volume, ``make bench-quick`` runs a tenth)."""

import argparse
import datetime
import importlib
import json
import os
import pkgutil
import sys
import time
import traceback
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


def _volumes() -> dict:
    """What the database held at the end: interventions of PACA (the big region), of all, and regions with any."""
    from django.db.models import Count

    from protocols.models import Intervention

    per_region = dict(
        Intervention.objects.order_by()
        .values_list("structure__region__code")
        .annotate(n=Count("pk"))
        .values_list("structure__region__code", "n")
    )
    return {
        "interventions_in_region": per_region.get("PACA", 0),
        "interventions_total": sum(per_region.values()),
        "regions": len(per_region),
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench")
    parser.add_argument("--scale", type=float, default=float(os.environ.get("BENCH_SCALE", "1")))
    parser.add_argument("selected", nargs="*")
    options = parser.parse_args(argv)
    os.environ["BENCH_SCALE"] = str(options.scale)
    selected = options.selected
    _ensure_database()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import tests.bench as package
    from tests.bench import BENCHMARKS, SUMMARY, Bench, summarize

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.startswith("bench_"):
            importlib.import_module(f"tests.bench.{module.name}")
    report = {}
    failed = []
    if not BENCHMARKS:
        print("Aucun benchmark enregistré pour l'instant.")
    for name, function in BENCHMARKS:
        if selected and name not in selected:
            continue
        bench = Bench(name)
        started = time.perf_counter()
        try:
            function(bench)
        except Exception:  # one broken benchmark must not cost the figures of the others
            traceback.print_exc()
            bench.record("ÉCHEC", traceback.format_exc(limit=3).strip().splitlines()[-1])
            failed.append(name)
        bench.record("durée totale", round(time.perf_counter() - started, 2), "s")
        report[name] = bench.results
        print(f"\n== {name}")
        for metric, result in bench.results.items():
            goal = f"   (objectif : {result['goal']})" if result["goal"] else ""
            print(f"  {metric:<48} {result['value']!s:>14} {result['unit']}{goal}")
    for key, value in _volumes().items():
        if SUMMARY[key] is None:  # the load bench records the volume its pages were measured at
            summarize(key, value)
    run = {
        "scale": options.scale,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average": os.getloadavg(),
    }
    report = {"summary": SUMMARY, "run": run, **report}
    print("\n== résumé" + (f" (échelle {options.scale:g})" if options.scale != 1 else ""))
    for key, value in SUMMARY.items():
        print(f"  {key:<48} {value!s:>14}")
    output = Path(settings.BASE_DIR) / "var" / "bench.json"
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str))
    print(f"\nRésultats écrits dans {output}")
    if failed:
        print(f"Benchmarks en échec : {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
