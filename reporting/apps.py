from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = "Suivi et rapports"

    def ready(self):
        from portal import navigation
        from portal.roles import Role
        from reporting.dashboards import cache

        navigation.register("Journal", "reporting:audit_log", {Role.REGION_ADMIN}, order=95, group="Administration")
        navigation.register("Tableau de bord", "reporting:dashboard", {Role.COORDINATOR, Role.PROFESSIONAL}, order=5)
        navigation.register(
            "Tableau de bord", "reporting:agency_dashboard", {Role.INSTRUCTOR, Role.FINANCE_OFFICER}, order=5
        )
        navigation.register(
            "Vue nationale", "reporting:national_dashboard", {Role.NATIONAL_PILOT, Role.SUPERADMIN}, order=6
        )
        cache.connect()
        # Biannual reports: the coordinator writes them, the ARS reviews and consolidates them.
        agency = {Role.INSTRUCTOR, Role.FINANCE_OFFICER, Role.REGION_ADMIN}
        navigation.register(
            "Rapports semestriels", "reporting:report_list", {Role.COORDINATOR}, order=56, group="Financement"
        )
        navigation.register(
            "Rapports des structures", "reporting:report_agency_list", agency, order=57, group="Financement"
        )
        navigation.register(
            "Consolidations régionales", "reporting:consolidation_list", agency, order=58, group="Financement"
        )
        navigation.register("Mesure d'impact", "reporting:wave_impact_index", agency, order=59, group="Financement")
        navigation.register(
            "Indicateurs de suivi", "reporting:indicator_comparison_index", agency, order=60, group="Financement"
        )
