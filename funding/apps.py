from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Financement"

    def ready(self):
        from portal import navigation
        from portal.roles import Role

        navigation.register(
            "États de versement", "funding:statement_home", {Role.FINANCE_OFFICER, Role.REGION_ADMIN}, order=60
        )
        navigation.register(
            "Paiements",
            "funding:payment_list",
            {Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR, Role.COORDINATOR},
            order=65,
        )
