from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Financement"

    def ready(self):
        from funding import receivers
        from funding.locks import issued_statement_covers
        from portal import navigation
        from portal.roles import AGENCY_ROLES, Role
        from protocols.locks import register_intervention_lock

        receivers.connect()
        register_intervention_lock(issued_statement_covers)
        navigation.register(
            "Suivi des interventions", "funding:intervention_overview", AGENCY_ROLES | {Role.COORDINATOR}, order=60
        )
