from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "protocols"
    verbose_name = "Protocoles"

    def ready(self):
        from portal import navigation
        from portal.roles import Role

        navigation.register("Mes interventions", "protocols:my_interventions", {Role.PROFESSIONAL}, order=40)
        navigation.register("Import des interventions", "protocols:import_list", {Role.COORDINATOR}, order=55)
