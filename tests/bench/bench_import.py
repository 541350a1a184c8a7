"""Import of the reporting table: rows per second, from the uploaded bytes to committed interventions with their
eligibility (goals: CSV ≥ 20,000 rows/s, XLSX ≥ 10,000). Everything is rolled back at the end."""

import datetime
import io
import random
import time

from django.db import connection, transaction

from tests.bench import Bench, benchmark, scaled, summarize

CSV_ROWS = scaled(100_000)
XLSX_ROWS = scaled(20_000)


def _rows(world, delegates, count: int, seed: int) -> list[list[str]]:
    rng = random.Random(seed)
    start = datetime.date(2025, 3, 1)
    rows = []
    for n in range(count):
        delegate = delegates[n % len(delegates)]
        day = start + datetime.timedelta(days=rng.randrange(600))
        rows.append(
            [
                day.strftime("%d/%m/%Y"),
                world.protocol.code,
                delegate.user.last_name,
                delegate.user.first_name,
                delegate.identifier,
                world.delegant.user.last_name,
                world.delegant.user.first_name,
                world.delegant.identifier,
                f"EP-{seed}-{rng.randrange(count):07d}",  # some episodes repeat: doublons
                "",
                "",
            ]
        )
    return rows


def _csv(rows) -> bytes:
    from protocols.imports.columns import HEADERS

    return ("\ufeff" + "\n".join(";".join(row) for row in [list(HEADERS), *rows]) + "\n").encode("utf-8")


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    from protocols.imports.columns import HEADERS

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _tableau_rows(world, delegates, count: int, seed: int) -> list[list]:
    """The ARS's layout (seed 003): title block, two header rows, one line per patient (no episode), period."""
    from tests.protocols.tableau_files import Line, line_cells, tableau_rows

    rng = random.Random(seed)
    start = datetime.date(2025, 3, 1)
    lines = []
    for n in range(count):
        day = start + datetime.timedelta(days=rng.randrange(600))
        lines.append(
            Line(world.protocol.code, day.strftime("%d/%m/%Y"), delegates[n % len(delegates)], world.delegant)
        )
    rows = tableau_rows([], finess=world.structure.finess, period="Période concernée : du 01/03/2025 au 31/12/2026")
    body = [line_cells(line) for line in lines]
    return rows[:11] + body + rows[11:]


def _tableau_csv(rows) -> bytes:
    from tests.protocols.tableau_files import tableau_csv

    return tableau_csv(rows, encoding="cp1252")


def _tableau_xlsx(rows) -> bytes:
    from openpyxl import Workbook

    from tests.protocols.tableau_files import MERGES

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    for cells in MERGES:
        sheet.merged_cells.add(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _time_import(world, content: bytes, name: str):
    from protocols.services.imports import import_batch_create_from_bytes, import_batch_run

    batch = import_batch_create_from_bytes(structure=world.structure, content=content, name=name, by=world.coordinator)
    started = time.perf_counter()
    batch = import_batch_run(batch_id=batch.pk)
    elapsed = time.perf_counter() - started
    assert batch.outcome == "imported", batch.errors[:5]
    batch.file.delete(save=False)
    return batch, elapsed


def _no_statement_timeout() -> None:
    """The benchmark measures; the web process's 30 s statement timeout is not what is being measured."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 0")


@benchmark("import_interventions")
def bench_import(bench: Bench) -> None:
    from funding.models import InterventionEligibility
    from tests.funding.eligibility_world import build_world

    with transaction.atomic():
        _no_statement_timeout()
        world = build_world()
        delegates = [world.delegate] + [world.add_delegate() for _ in range(4)]
        rows = _rows(world, delegates, CSV_ROWS, seed=1)
        batch, elapsed = _time_import(world, _csv(rows), "bench.csv")
        bench.record("CSV : lignes", CSV_ROWS)
        bench.record("CSV : interventions créées", batch.created_count)
        bench.record("CSV : durée (lecture, contrôle, écriture, éligibilité)", round(elapsed, 2), "s")
        bench.record("CSV : débit", int(CSV_ROWS / elapsed), "lignes/s", "≥ 20 000 lignes/s")
        summarize("import_csv_rows_s", int(CSV_ROWS / elapsed))
        bench.record(
            "CSV : éligibilités calculées",
            InterventionEligibility.objects.filter(intervention__import_batch=batch).count(),
        )

        # The XLSX goes to another structure: its time is the file's, not a recomputation of the CSV's rows.
        other = build_world()
        rows = _rows(other, [other.delegate], XLSX_ROWS, seed=2)
        batch, elapsed = _time_import(other, _xlsx(rows), "bench.xlsx")
        bench.record("XLSX : lignes", XLSX_ROWS)
        bench.record("XLSX : débit", int(XLSX_ROWS / elapsed), "lignes/s", "≥ 10 000 lignes/s")
        summarize("import_xlsx_rows_s", int(XLSX_ROWS / elapsed))

        # The same rows in another file (another hash): every row is checked, then skipped as already stored.
        batch, elapsed = _time_import(world, _csv(_rows(world, delegates, CSV_ROWS, seed=1)) + b"\n", "again.csv")
        bench.record("Réimport des mêmes lignes : créées", batch.created_count)
        bench.record("Réimport des mêmes lignes : débit", int(CSV_ROWS / elapsed), "lignes/s")

        # The tableau de reporting as the ARS hands it out, each in a structure of its own.
        tableau = build_world()
        delegates = [tableau.delegate] + [tableau.add_delegate() for _ in range(4)]
        rows = _tableau_rows(tableau, delegates, CSV_ROWS, seed=3)
        batch, elapsed = _time_import(tableau, _tableau_csv(rows), "tableau.csv")
        bench.record("Tableau de l'ARS, CSV : interventions créées", batch.created_count)
        bench.record("Tableau de l'ARS, CSV : débit", int(CSV_ROWS / elapsed), "lignes/s", "≥ 5 000 lignes/s")
        batch, elapsed = _time_import(tableau, _tableau_csv(rows) + b"\r\n", "tableau-bis.csv")
        bench.record("Tableau de l'ARS, réimport : créées", batch.created_count)
        bench.record("Tableau de l'ARS, réimport : débit", int(CSV_ROWS / elapsed), "lignes/s")
        other = build_world()
        rows = _tableau_rows(other, [other.delegate], XLSX_ROWS, seed=4)
        batch, elapsed = _time_import(other, _tableau_xlsx(rows), "tableau.xlsx")
        bench.record("Tableau de l'ARS, XLSX : débit", int(XLSX_ROWS / elapsed), "lignes/s", "≥ 5 000 lignes/s")
        transaction.set_rollback(True)
