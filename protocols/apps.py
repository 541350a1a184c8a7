from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "protocols"
    verbose_name = "Protocoles"

    def ready(self):
        from portal import navigation
        from portal.roles import AGENCY_ROLES, Role
        from protocols import checks  # noqa: F401 (registers the start-up checks)

        navigation.register("Protocoles", "protocols:protocol_list", {Role.COORDINATOR}, order=20, group="Protocoles")
        navigation.register(
            "Mes protocoles", "protocols:my_protocols", {Role.PROFESSIONAL}, order=21, group="Protocoles"
        )
        navigation.register(
            "Déclarations", "protocols:agency_declarations", AGENCY_ROLES, order=22, group="Protocoles"
        )
        navigation.register(
            "Mes interventions", "protocols:my_interventions", {Role.PROFESSIONAL}, order=40, group="Interventions"
        )
        navigation.register(
            "Import des interventions", "protocols:import_list", {Role.COORDINATOR}, order=55, group="Interventions"
        )
