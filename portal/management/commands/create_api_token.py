from django.core.management.base import BaseCommand, CommandError

from portal.errors import ApplicationError
from portal.models import User
from portal.tokens import api_token_create


class Command(BaseCommand):
    help = "Crée un jeton d'API personnel et l'affiche une seule fois."

    def add_arguments(self, parser):
        parser.add_argument("--user", required=True, help="adresse e-mail du titulaire")
        parser.add_argument("--scope", choices=["read", "write"], default="read")
        parser.add_argument("--days", type=int, default=90, help="durée de validité en jours (défaut : 90)")
        parser.add_argument("--name", default="Jeton créé en ligne de commande")

    def handle(self, *args, **options):
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"Aucun compte pour {options['user']}.")
        try:
            token, raw_key = api_token_create(
                user=user, name=options["name"], scope=options["scope"], days=options["days"]
            )
        except ApplicationError as error:
            raise CommandError(error.message) from error
        self.stdout.write(raw_key)
        self.stderr.write(
            f"Jeton « {token.name} » ({token.get_scope_display()}) pour {user.email}, "
            f"expire le {token.expires_at:%d/%m/%Y}. Il ne sera plus affiché."
        )
