"""``manage.py rebuild_monthly_counts [--region PACA,CVL] [--check]``: recompute the monthly counts of interventions
from the source rows (``funding.services.monthly_counts``), or with ``--check`` only say whether they drifted."""

from django.core.management.base import BaseCommand, CommandError

from funding.services.monthly_counts import monthly_counts_drift, monthly_counts_rebuild
from portal.models import Region


class Command(BaseCommand):
    help = "Recalcule les comptages mensuels des interventions (suivi, tableau de bord) à partir des interventions."

    def add_arguments(self, parser):
        parser.add_argument("--region", help="Code de la région, ou plusieurs : PACA,CVL (par défaut : toutes)")
        parser.add_argument("--check", action="store_true", help="Vérifier seulement, sans rien écrire")

    def handle(self, *args, **options):
        region_ids = None
        if options["region"]:
            codes = [code.strip().upper() for code in options["region"].split(",") if code.strip()]
            found = dict(Region.objects.filter(code__in=codes).values_list("code", "pk"))
            unknown = [code for code in codes if code not in found]
            if unknown:
                raise CommandError(f"Région inconnue : {', '.join(unknown)}")
            region_ids = list(found.values())
        if options["check"]:
            drift = monthly_counts_drift(region_ids=region_ids)
            if drift:
                raise CommandError(f"{len(drift)} comptages mensuels diffèrent des interventions.")
            self.stdout.write("Comptages mensuels exacts.")
            return
        written = monthly_counts_rebuild(region_ids=region_ids)
        self.stdout.write(f"{written} comptages mensuels recalculés.")
