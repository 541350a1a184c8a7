from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "Financement"

    def ready(self):
        from portal import navigation
        from portal.roles import Role

        navigation.register("Mes candidatures", "funding:my_dossiers", {Role.COORDINATOR}, order=20)
        navigation.register("Instruction", "funding:instruction_list", {Role.INSTRUCTOR, Role.REGION_ADMIN}, order=30)
        navigation.register("Campagnes AMI", "funding:campaign_list", {Role.REGION_ADMIN, Role.INSTRUCTOR}, order=25)
