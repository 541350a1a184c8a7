"""Load: gunicorn (2 workers, loopback) serving the demo plus 100,000 interventions (and whatever the benchmarks
before it left in PACA: ``generate_load``'s synthetic structures); a bounded load generator asks each page of
``PAGES`` in turn and reports p50/p95 and the ratio of p95 to the floor, an authenticated page of the portal's
layout with no data (the legal notice, as a signed-in agent sees it; goal ≤ 3×), with zero errors (every answer
must be a 200; errors are counted, not fatal, so that the other figures are still written).

Flat in tenants: then ``generate_load`` fills the 17 other regions (100,000 interventions each) and the same pages
are measured again; the worst ratio of a page's p95 to its p95 before is the tenants figure (goal ≤ 1.2×).
``BENCH_TENANTS=0`` skips that part. The peak RSS of the gunicorn workers over the whole run bounds what one
request held (goal ≤ 200 MB).

The data stay in the bench database (``portal_bench``): the first run imports the interventions through the real
import path (eligibility included), later runs find them and start at once. Sessions are made directly in the
session store (the ARS accounts have TOTP: ``portal.middleware`` only checks that they have it).

Adding a page is one line in ``PAGES``: a label, a path (or a function returning one) and the demo account.
Knobs: ``BENCH_LOAD_REQUESTS`` (per page, default 150), ``BENCH_LOAD_SECONDS`` (time budget per page once 40
requests are done, default 30), ``BENCH_LOAD_THREADS`` (default 2, one per worker).
"""

import datetime
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from django.db import connection
from django.urls import reverse

from tests.bench import Bench, benchmark, scaled, summarize

INTERVENTIONS = scaled(100_000)
IMPORT_CHUNK = min(25_000, INTERVENTIONS)
OTHER_REGIONS_INTERVENTIONS = scaled(100_000)
OTHER_REGIONS_GRANTS = scaled(200, minimum=20)
EPISODE_PREFIX = "LOAD-"
MSP_FINESS = "130012347"
REQUESTS = int(os.environ.get("BENCH_LOAD_REQUESTS", "150"))
THREADS = int(os.environ.get("BENCH_LOAD_THREADS", "2"))
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
MIN_REQUESTS = 40
WARMUP = 10
GOAL_RATIO = 3.0
TENANTS_GOAL = 1.2
FLOOR = "plancher : page authentifiée sans données"


def _campaign_page() -> str:
    from funding.models import Campaign

    campaign = Campaign.objects.filter(region__code="PACA").order_by("-pk").first()
    return reverse("funding:committee_page", kwargs={"campaign_id": campaign.pk})


@dataclass(frozen=True)
class Page:
    label: str
    path: object  # a path, or a function returning one (evaluated once the data exist)
    account: str | None  # demo e-mail, or None for an anonymous request


def _dossier_page() -> str:
    from funding.models import Dossier

    dossier = Dossier.objects.filter(structure__finess=MSP_FINESS).exclude(state="draft").order_by("pk").first()
    return reverse("funding:instruction_dossier", kwargs={"dossier_id": dossier.pk})


def _statement_page() -> str:
    from funding.models import Statement

    statement = Statement.objects.filter(grant__structure__region__code="PACA").order_by("-pk").first()
    return reverse("funding:statement_detail", kwargs={"statement_id": statement.pk})


PAGES = [
    Page(FLOOR, "/mentions-legales/", "instructeur.paca@demo.fr"),
    Page("/ping (sans session)", "/ping", None),
    Page("accueil coordinateur", "/", "coordinateur.msp@demo.fr"),
    Page("accueil professionnel", "/", "ide.msp@demo.fr"),
    Page("accueil instructeur", "/", "instructeur.paca@demo.fr"),
    Page("accueil commission", "/", "commission.paca@demo.fr"),
    Page("accueil financement", "/", "finance.paca@demo.fr"),
    Page("liste des dossiers (instruction)", lambda: reverse("funding:instruction_list"), "instructeur.paca@demo.fr"),
    Page("page de la commission", _campaign_page, "admin.paca@demo.fr"),
    Page("interventions (ARS, détail)", lambda: reverse("funding:intervention_list"), "finance.paca@demo.fr"),
    Page("interventions (coordinateur)", lambda: reverse("funding:intervention_list"), "coordinateur.msp@demo.fr"),
    Page("suivi des interventions", lambda: reverse("funding:intervention_overview"), "finance.paca@demo.fr"),
    Page("mes interventions (délégué)", lambda: reverse("protocols:my_interventions"), "ide.msp@demo.fr"),
    Page("tableau de bord (coordinateur)", lambda: reverse("reporting:dashboard"), "coordinateur.msp@demo.fr"),
    Page("tableau de bord (professionnel)", lambda: reverse("reporting:dashboard"), "ide.msp@demo.fr"),
    Page("tableau de bord ARS", lambda: reverse("reporting:agency_dashboard"), "finance.paca@demo.fr"),
    Page("rapports des structures (ARS)", lambda: reverse("reporting:report_agency_list"), "instructeur.paca@demo.fr"),
    Page("dossier (instruction)", _dossier_page, "instructeur.paca@demo.fr"),
    Page("déclarations (ARS)", lambda: reverse("protocols:agency_declarations"), "instructeur.paca@demo.fr"),
    Page("états de versement", lambda: reverse("funding:statement_home"), "finance.paca@demo.fr"),
    Page("état de versement (détail)", _statement_page, "finance.paca@demo.fr"),
]


@benchmark("Charge : gunicorn 2 workers, 100 000 interventions")
def load(bench: Bench) -> None:
    from django.db.models import Count

    from protocols.models import Intervention

    with connection.cursor() as cursor:
        cursor.execute("SET statement_timeout = 0")  # loading 100,000 rows is not what is measured
    _seed()
    count = _load_interventions()
    bench.record("interventions en base", count, "")
    sessions = {page.account: _session_for(page.account) for page in PAGES if page.account}
    paths = {}
    for page in PAGES:
        try:
            paths[page.label] = page.path() if callable(page.path) else page.path
        except AttributeError:  # no object to show (a benchmark before did not leave one): said, not fatal
            bench.record(f"{page.label} : page absente (pas d'objet)", 1)
    pages = [page for page in PAGES if page.label in paths]
    with _gunicorn() as server:
        alone = {page.label: _hammer(server.port, paths[page.label], sessions.get(page.account)) for page in pages}
        per_region = dict(
            Intervention.objects.order_by()
            .values_list("structure__region__code")
            .annotate(n=Count("pk"))
            .values_list("structure__region__code", "n")
        )
        _report(bench, pages, alone, "")
        if os.environ.get("BENCH_TENANTS", "1") != "0":
            started = time.perf_counter()
            loaded = _load_other_regions()
            bench.record("autres régions chargées", loaded)
            bench.record("chargement des autres régions", round(time.perf_counter() - started, 1), "s")
            per_region = dict(
                Intervention.objects.order_by()
                .values_list("structure__region__code")
                .annotate(n=Count("pk"))
                .values_list("structure__region__code", "n")
            )
            many = {page.label: _hammer(server.port, paths[page.label], sessions.get(page.account)) for page in pages}
            _report(bench, pages, many, " (18 régions)")
            ratios = {page.label: many[page.label]["p95"] / alone[page.label]["p95"] for page in pages if page.account}
            worst = max(ratios, key=ratios.get)
            bench.record("18 régions / PACA seule : pire p95", round(ratios[worst], 2), "×", f"≤ {TENANTS_GOAL:g}")
            bench.record("18 régions / PACA seule : page", worst)
            summarize("tenants_ratio_max", round(ratios[worst], 2))
        peak = server.workers_peak_rss_mb()
    bench.record("pic de mémoire d'un worker gunicorn (RSS)", peak, "Mo", "≤ 200 (par requête)")
    summarize("request_rss_max_mb", peak)
    summarize("interventions_in_region", per_region.get("PACA", 0))
    summarize("interventions_total", sum(per_region.values()))
    summarize("regions", len(per_region))


def _report(bench: Bench, pages: list, results: dict, suffix: str) -> None:
    floor = results[FLOOR]["p95"]
    ratios = {}
    errors = 0
    for page in pages:
        result = results[page.label]
        errors += len(result["errors"])
        if result["errors"]:
            bench.record(f"{page.label}{suffix} : erreurs", result["errors"][:3])
        bench.record(f"{page.label}{suffix} p50", round(result["p50"], 1), "ms")
        bench.record(f"{page.label}{suffix} p95", round(result["p95"], 1), "ms")
        if page.label != FLOOR and page.account:
            ratios[page.label] = result["p95"] / floor
            bench.record(
                f"{page.label}{suffix} p95 / plancher", round(ratios[page.label], 1), "×", f"≤ {GOAL_RATIO:g}"
            )
    counts = [r["count"] for r in results.values()]
    bench.record(f"requêtes par page (min–max){suffix}", f"{min(counts)}–{max(counts)}")
    bench.record(f"erreurs{suffix}", errors, "", "0")
    worst = max(ratios, key=ratios.get)
    bench.record(f"pire rapport p95 / plancher{suffix}", round(ratios[worst], 1), "×", f"≤ {GOAL_RATIO:g}")
    bench.record(f"pire page{suffix}", worst)
    if not suffix:
        summarize("page_p95_ratio_max", round(ratios[worst], 2))
        summarize("page_p95_worst", worst)
        summarize("floor_p95_ms", round(floor, 1))


def _load_other_regions() -> int:
    """The 17 other regions, each with its synthetic load (``generate_load``, idempotent)."""
    from django.core.management import call_command

    from portal.models import Region

    codes = list(Region.objects.exclude(code="PACA").order_by("code").values_list("code", flat=True)[:17])
    for code in codes:
        call_command(
            "generate_load",
            region=code,
            grants=OTHER_REGIONS_GRANTS,
            interventions=OTHER_REGIONS_INTERVENTIONS,
            verbosity=0,
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return len(codes)


def _seed() -> None:
    from django.core.management import call_command

    call_command("seed_demo", quiet_accounts=True)


def _load_interventions() -> int:
    """Import what is missing of the 100,000 interventions into the demo MSP, by the coordinator's import path."""
    from funding.models import Grant
    from portal.models import Professional, User
    from protocols.imports.columns import HEADERS
    from protocols.models import Intervention
    from protocols.services.imports import import_batch_create_from_bytes, import_batch_run

    grant = Grant.objects.filter(structure__finess=MSP_FINESS).select_related("protocol", "structure").first()
    existing = Intervention.objects.filter(structure=grant.structure, episode_reference__startswith=EPISODE_PREFIX)
    have = existing.count()
    if have >= INTERVENTIONS:
        return Intervention.objects.count()
    delegates = [Professional.objects.get(user__email=email) for email in ("ide.msp@demo.fr", "ide2.msp@demo.fr")]
    delegant = Professional.objects.get(user__email="medecin.msp@demo.fr")
    coordinator = User.objects.get(email="coordinateur.msp@demo.fr")
    start = max(grant.starts_on, datetime.date(2025, 3, 15))
    span = (datetime.date(2026, 10, 31) - start).days
    started = time.perf_counter()
    for first in range(have, INTERVENTIONS, IMPORT_CHUNK):
        lines = [";".join(HEADERS)]
        for n in range(first, min(first + IMPORT_CHUNK, INTERVENTIONS)):
            delegate = delegates[n % 2]
            day = start + datetime.timedelta(days=(n * 7919) % span)
            lines.append(
                f"{day:%d/%m/%Y};{grant.protocol.code};{delegate.user.last_name};{delegate.user.first_name};"
                f"{delegate.identifier};{delegant.user.last_name};{delegant.user.first_name};{delegant.identifier};"
                f"{EPISODE_PREFIX}{n:07d};;"
            )
        content = ("\n".join(lines) + "\n").encode("utf-8")
        batch = import_batch_create_from_bytes(
            structure=grant.structure, content=content, name=f"charge-{first}.csv", by=coordinator
        )
        batch = import_batch_run(batch_id=batch.pk)
        assert batch.outcome == "imported", batch.errors[:3]
        print(f"  … {first + batch.created_count} interventions ({time.perf_counter() - started:.0f} s)", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return Intervention.objects.count()


def _session_for(email: str) -> str:
    """A logged-in session in the database, as allauth leaves it after password (and TOTP) authentication."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from portal.models import User
    from tests.clients import record_second_factor

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    record_second_factor(session, user)
    return session.session_key


class _gunicorn:
    """``gunicorn config.wsgi`` with two sync workers on a free loopback port, on the bench database."""

    def __enter__(self) -> "_gunicorn":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        root = Path(__file__).resolve().parents[2]
        env = {**os.environ, "LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--workers", "2"]
            + ["--bind", f"127.0.0.1:{self.port}", "--log-level", "warning", "--timeout", "120"],
            cwd=root,
            env=env,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if _get(self.port, "/ping", None)[0] == 200:
                    return self
            except OSError:
                time.sleep(0.2)
        self.process.terminate()
        raise RuntimeError("gunicorn n'a pas démarré en 60 s")

    def workers_peak_rss_mb(self) -> int:
        """The highest peak RSS (``VmHWM``) of the workers: an upper bound of what one request held."""
        peaks = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
            if fields.get("PPid", "").strip() == str(self.process.pid) and "VmHWM" in fields:
                peaks.append(int(fields["VmHWM"].split()[0]) // 1024)
        return max(peaks, default=0)

    def __exit__(self, *exc) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _get(port: int, path: str, session_key: str | None) -> tuple[int, float]:
    headers = {"Cookie": f"sessionid={session_key}"} if session_key else {}
    started = time.perf_counter()
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        client.request("GET", path, headers=headers)
        response = client.getresponse()
        response.read()
    finally:
        client.close()
    return response.status, (time.perf_counter() - started) * 1000


def _hammer(port: int, path: str, session_key: str | None) -> dict:
    """``WARMUP`` requests, then ``REQUESTS`` by ``THREADS`` threads; latencies in ms, errors listed."""
    for _ in range(WARMUP):
        _get(port, path, session_key)
    latencies, errors, lock = [], [], threading.Lock()
    per_thread = REQUESTS // THREADS
    deadline = time.monotonic() + SECONDS

    def worker():
        for done in range(per_thread):
            if done * THREADS >= MIN_REQUESTS and time.monotonic() > deadline:
                break  # a slow page is measured on fewer requests rather than for minutes
            try:
                status, elapsed = _get(port, path, session_key)
            except OSError as error:
                status, elapsed = repr(error), 0.0
            with lock:
                latencies.append(elapsed)
                if status != 200:
                    errors.append(f"{path} → {status}")

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": statistics.median(latencies), "p95": cuts[94], "errors": errors, "count": len(latencies)}
