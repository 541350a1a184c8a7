from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "portal"
    verbose_name = "Portail"

    def ready(self):
        from portal import navigation
        from portal.federation import client  # noqa: F401  (connects its user_logged_in receiver)
        from portal.roles import AGENCY_ROLES, STRUCTURE_ROLES, Role

        navigation.register("Structures", "portal:structure_list", STRUCTURE_ROLES | AGENCY_ROLES, order=10)
        navigation.register("Équipe ARS", "portal:staff_home", {Role.REGION_ADMIN}, order=90, group="Administration")
        navigation.register(
            "Pilotes nationaux", "portal:national_pilots", {Role.SUPERADMIN}, order=91, group="Administration"
        )
