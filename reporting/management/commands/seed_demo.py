from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import transaction

from funding import demo as funding_demo
from portal import demo as portal_demo
from protocols import demo as protocols_demo
from reporting import demo as reporting_demo
from reporting import demo_regions


class Command(BaseCommand):
    help = "Charge les données de démonstration (idempotent : une seconde exécution ne change rien)."

    def add_arguments(self, parser):
        parser.add_argument("--quiet-accounts", action="store_true", help="Ne pas afficher les comptes de démo.")

    def handle(self, *args, **options):
        # Demo objects go through the real services, which notify people by e-mail: nobody is to be written to
        # about demo data, so the e-mails of the seeding are kept in memory and dropped.
        previous_backend = settings.EMAIL_BACKEND
        settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
        try:
            self.seed()
        finally:
            settings.EMAIL_BACKEND = previous_backend
        if not options["quiet_accounts"]:
            self.print_accounts()

    @transaction.atomic
    def seed(self):
        # Each layer seeds its own objects, bottom-up, and hands what it made to the next one; every seeder looks
        # objects up by natural key before creating them, so a second run writes nothing.
        context = portal_demo.seed()
        context = protocols_demo.seed(context)
        context = funding_demo.seed(context)
        reporting_demo.seed(context)
        # A few more regions with small activity, for the national view.
        demo_regions.seed(context)

    def print_accounts(self):
        write = self.stdout.write
        write("")
        write(self.style.SUCCESS("Comptes de démonstration — mot de passe commun : " + settings.DEMO_PASSWORD))
        for email, description in portal_demo.accounts_table():
            write(f"  {email:<28} {description}")
        write("")
        write(
            "Les comptes ARS demandent un code TOTP : ajoutez dans votre application d'authentification "
            f"la clé {settings.DEMO_TOTP_SECRET} (base32, 6 chiffres, 30 s), "
            "ou affichez le code courant avec : make totp"
        )
        write("")
