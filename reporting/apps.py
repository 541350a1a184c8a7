from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Suivi et rapports"

    def ready(self):
        from portal import navigation
        from portal.roles import Role
        from reporting.dashboards import cache

        navigation.register("Journal", "audit_log", {Role.REGION_ADMIN}, order=95, group="Administration")
        navigation.register("Tableau de bord", "dashboard", {Role.COORDINATOR, Role.PROFESSIONAL}, order=5)
        navigation.register("Tableau de bord", "agency_dashboard", {Role.INSTRUCTOR, Role.FINANCE_OFFICER}, order=5)
        cache.connect()
