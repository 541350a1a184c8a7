"""``manage.py export_statements --region PACA --period 2025-H1 --format csv|xlsx|pdf|tableau --output FILE
[--detail]``: the same exports as the pages, written to a file (``-`` for the standard output, CSV only).
``tableau``: the ARS's tableau de reporting (seed 003), one sheet per structure."""

import sys
import time

from django.core.management.base import BaseCommand, CommandError

from funding.exports.statements import detail_csv, region_statements, statements_xlsx, summary_csv
from funding.exports.tableau import tableau_sheets_of_statements, write_tableau
from funding.management.commands._region_period import add_region_period_arguments, region_and_period
from funding.services.statement_pdf import statements_pdf_bytes


class Command(BaseCommand):
    help = "Exporte les états de versement d'une région pour un semestre (synthèse, détail, classeur, PDF)."

    def add_arguments(self, parser):
        add_region_period_arguments(parser)
        parser.add_argument("--format", choices=["csv", "xlsx", "pdf", "tableau"], default="csv")
        parser.add_argument("--output", required=True, help="Fichier à écrire (« - » : sortie standard, CSV)")
        parser.add_argument(
            "--detail", action="store_true", help="Une ligne par intervention (CSV ; feuille « Détail » en XLSX)"
        )

    def handle(self, *args, **options):
        region, period = region_and_period(options)
        statements = region_statements(region, period)
        if not statements.exists():
            raise CommandError(f"Aucun état pour {region.code} {period} : lancez d'abord compute_funding.")
        export_format, output = options["format"], options["output"]
        if output == "-" and export_format != "csv":
            raise CommandError("Seul le CSV s'écrit sur la sortie standard.")
        started = time.perf_counter()
        if export_format == "csv":
            chunks = detail_csv(statements, period) if options["detail"] else summary_csv(statements.iterator())
            target = sys.stdout.buffer if output == "-" else open(output, "wb")  # noqa: SIM115
            lines = 0
            try:
                for chunk in chunks:
                    lines += chunk.count(b"\n")
                    target.write(chunk)
            finally:
                if output != "-":
                    target.close()
            # The benchmark reads this line (on stderr, so that "-" stays a clean CSV).
            self.stderr.write(f"{lines - 1} lignes écrites en {time.perf_counter() - started:.3f} s")
        elif export_format == "xlsx":
            statements_xlsx(statements, period, output, detail=options["detail"])
            self.stderr.write(f"Classeur écrit en {time.perf_counter() - started:.3f} s")
        elif export_format == "tableau":
            write_tableau(tableau_sheets_of_statements(statements, period), output)
            self.stderr.write(f"Tableaux de reporting écrits en {time.perf_counter() - started:.3f} s")
        else:
            with open(output, "wb") as target:
                target.write(statements_pdf_bytes(statements))
            self.stderr.write(f"PDF écrit en {time.perf_counter() - started:.3f} s")
