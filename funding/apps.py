from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Financement"

    def ready(self):
        from portal import navigation
        from portal.roles import AGENCY_ROLES, Role

        # Dossiers and instruction area.
        navigation.register("Mes candidatures", "funding:my_dossiers", {Role.COORDINATOR}, order=20)
        navigation.register("Campagnes AMI", "funding:campaign_list", {Role.REGION_ADMIN, Role.INSTRUCTOR}, order=25)
        navigation.register("Instruction", "funding:instruction_list", {Role.INSTRUCTOR, Role.REGION_ADMIN}, order=30)
        # Committee area.
        navigation.register("Commission de sélection", "funding:committee_home", {Role.REGION_ADMIN}, order=40)
        navigation.register("Mes évaluations", "funding:review_list", {Role.COMMITTEE_MEMBER}, order=41)
        navigation.register("Décisions", "funding:decision_list", {Role.COORDINATOR}, order=42)
        navigation.register("Subventions", "funding:grant_list", AGENCY_ROLES | {Role.COORDINATOR}, order=50)

        from funding.services.grants import on_eligibility_inputs_changed
        from protocols.signals import eligibility_inputs_changed

        eligibility_inputs_changed.connect(on_eligibility_inputs_changed, dispatch_uid="funding.grants_sync")
