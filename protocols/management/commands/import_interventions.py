"""``manage.py import_interventions FILE --structure FINESS [--by EMAIL]``: the same import as the page."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.errors import ApplicationError
from portal.models import Structure, StructureMembership, User
from portal.roles import Role
from portal.validators import normalize_identifier
from protocols.models import ImportBatch
from protocols.services.imports import import_batch_create_from_bytes, import_batch_run


class Command(BaseCommand):
    help = "Importe un tableau de reporting (CSV ou XLSX) d'interventions pour une structure."

    def add_arguments(self, parser):
        parser.add_argument("file", help="Chemin du fichier CSV ou XLSX")
        parser.add_argument("--structure", required=True, help="FINESS de la structure")
        parser.add_argument(
            "--by", help="Adresse e-mail du coordinateur qui importe (par défaut : le premier de la structure)"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"Fichier introuvable : {path}")
        structure = Structure.objects.filter(finess=normalize_identifier(options["structure"])).first()
        if structure is None:
            raise CommandError(f"Aucune structure n'a le FINESS {options['structure']}.")
        by = self._coordinator(structure, options.get("by"))
        try:
            batch = import_batch_create_from_bytes(
                structure=structure, content=path.read_bytes(), name=path.name, by=by
            )
        except ApplicationError as error:  # refused before anything is stored (bounds, not a CSV nor an XLSX…)
            raise CommandError(error.message) from error
        batch = import_batch_run(batch_id=batch.pk)
        if batch.outcome == ImportBatch.Outcome.ALREADY_IMPORTED:
            self.stdout.write("Ce fichier a déjà été importé pour cette structure : rien n'a été ajouté.")
        elif batch.outcome == ImportBatch.Outcome.REJECTED:
            for error in batch.errors:
                self.stderr.write(
                    f"ligne {error['ligne']}, {error['colonne'] or 'fichier'} : {error['message']}"
                    + (f" (valeur : {error['valeur']})" if error["valeur"] else "")
                )
            raise CommandError(f"Fichier refusé : {batch.error_count} erreur(s), rien n'a été enregistré.")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"{batch.rows_read} ligne(s) lue(s), {batch.created_count} intervention(s) créée(s), "
                    f"{batch.identical_count} déjà présente(s), "
                    f"{batch.episode_repeat_count} ligne(s) d'un épisode déjà connu."
                )
            )

    def _coordinator(self, structure, email) -> User:
        coordinators = StructureMembership.objects.filter(structure=structure, role=Role.COORDINATOR)
        if email:
            membership = coordinators.filter(user__email__iexact=email).select_related("user").first()
            if membership is None:
                raise CommandError(f"{email} n'est pas coordinateur de {structure.name}.")
            return membership.user
        membership = coordinators.select_related("user").order_by("pk").first()
        if membership is None:
            raise CommandError(f"{structure.name} n'a pas de coordinateur : précisez --by.")
        return membership.user
