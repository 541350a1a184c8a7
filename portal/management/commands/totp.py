from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Affiche le code TOTP courant des comptes ARS de démonstration."

    def handle(self, *args, **options):
        counters = list(yield_hotp_counters_from_time())
        current = counters[len(counters) // 2]
        self.stdout.write(format_hotp_value(hotp_value(settings.DEMO_TOTP_SECRET, current)))
