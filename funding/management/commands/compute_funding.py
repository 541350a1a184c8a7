"""``manage.py compute_funding --region PACA --period 2025-H1 [--issue]``: the same service as the finance
officer's button, run synchronously (a ``ComputationRun`` keeps the trace)."""

from django.core.management.base import BaseCommand, CommandError

from funding.exports.statements import region_statements
from funding.management.commands._region_period import add_region_period_arguments, region_and_period
from funding.models import ComputationRun
from funding.services.statement_runs import computation_run_execute
from portal.jobs import JobStatus
from portal.models import User


class Command(BaseCommand):
    help = "Calcule les brouillons d'états de versement d'une région pour un semestre (et les émet avec --issue)."

    def add_arguments(self, parser):
        add_region_period_arguments(parser)
        parser.add_argument("--issue", action="store_true", help="Émettre les brouillons calculés (ils sont figés).")
        parser.add_argument("--by", help="Adresse e-mail de l'agent au nom duquel les états sont émis.")

    def handle(self, *args, **options):
        region, period = region_and_period(options)
        by = None
        if options["by"]:
            by = User.objects.filter(email__iexact=options["by"]).first()
            if by is None:
                raise CommandError(f"Aucun compte pour {options['by']}.")
        run = ComputationRun.objects.create(
            region=region, year=period.year, half=period.half, issue_after=options["issue"], requested_by=by
        )
        run = computation_run_execute(run=run)
        if run.status != JobStatus.DONE:
            raise CommandError(run.error or "Le calcul a échoué.")
        summary = run.summary
        if options["verbosity"] >= 2:
            for statement in region_statements(region, period):
                self.stdout.write(
                    f"  {statement.grant.reference:<24} {statement.get_status_display():<10} "
                    f"{statement.eligible_count:>7} éligibles {statement.excluded_count:>7} exclues "
                    f"{statement.total_amount:>12} €"
                )
        verb = "émis" if options["issue"] else "calculés (brouillons)"
        self.stdout.write(
            self.style.SUCCESS(
                f"{region.code} {period} : {summary['statements']} états {verb}, {summary['eligible']} interventions "
                f"éligibles, {summary['excluded']} exclues, total {summary['total_amount']} € "
                f"(dont régularisations {summary['regularisation_amount']} €)."
            )
        )
        if summary["already_issued"]:
            self.stdout.write(f"{summary['already_issued']} état(s) déjà émis, inchangé(s).")
        for skipped in summary["skipped"]:
            self.stdout.write(self.style.WARNING(f"{skipped['grant']} laissée de côté : {skipped['reason']}"))
