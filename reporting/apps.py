from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Suivi et rapports"

    def ready(self):
        from portal import navigation
        from portal.roles import Role

        navigation.register("Journal", "audit_log", {Role.REGION_ADMIN}, order=95, group="Administration")
