from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Financement"

    def ready(self):
        from funding import receivers
        from funding.models.committee import reviewer_assignments
        from portal.access import register_reviewer_assignments

        # Committee members reach the dossiers assigned to them (conflicts excluded), through every scoped queryset.
        register_reviewer_assignments(reviewer_assignments)
        from funding.locks import issued_statement_covers
        from portal import navigation
        from portal.roles import AGENCY_ROLES, Role
        from protocols.locks import register_intervention_lock

        # Dossiers and instruction area.
        navigation.register(
            "Mes candidatures", "funding:my_dossiers", {Role.COORDINATOR}, order=20, group="Candidatures"
        )
        navigation.register(
            "Campagnes AMI",
            "funding:campaign_list",
            {Role.REGION_ADMIN, Role.INSTRUCTOR},
            order=25,
            group="Candidatures",
        )
        navigation.register(
            "Instruction",
            "funding:instruction_list",
            {Role.INSTRUCTOR, Role.REGION_ADMIN},
            order=30,
            group="Candidatures",
        )
        # Committee area.
        navigation.register(
            "Commission de sélection", "funding:committee_home", {Role.REGION_ADMIN}, order=40, group="Candidatures"
        )
        navigation.register(
            "Mes évaluations", "funding:review_list", {Role.COMMITTEE_MEMBER}, order=41, group="Candidatures"
        )
        navigation.register("Décisions", "funding:decision_list", {Role.COORDINATOR}, order=42, group="Candidatures")
        navigation.register(
            "Subventions", "funding:grant_list", AGENCY_ROLES | {Role.COORDINATOR}, order=50, group="Financement"
        )
        navigation.register(
            "États de versement",
            "funding:statement_home",
            {Role.FINANCE_OFFICER, Role.REGION_ADMIN},
            order=52,
            group="Financement",
        )
        navigation.register(
            "Paiements",
            "funding:payment_list",
            {Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR, Role.COORDINATOR},
            order=54,
            group="Financement",
        )
        navigation.register(
            "Tableaux de reporting",
            "funding:tableau_list",
            {Role.COORDINATOR, Role.PROFESSIONAL, Role.FINANCE_OFFICER, Role.REGION_ADMIN, Role.INSTRUCTOR},
            order=56,
            group="Financement",
        )
        # Interventions and eligibility area.
        navigation.register(
            "Suivi des interventions",
            "funding:intervention_overview",
            AGENCY_ROLES | {Role.COORDINATOR},
            order=60,
            group="Interventions",
        )
        navigation.register(
            "Éligibilité de mes interventions",
            "funding:intervention_list",
            {Role.PROFESSIONAL},
            order=61,
            group="Interventions",
        )

        # The protocols layer tells funding what changed (signal) and asks it whether an intervention is locked
        # by an issued statement (registry): funding answers without protocols importing it.
        receivers.connect()
        register_intervention_lock(issued_statement_covers)
