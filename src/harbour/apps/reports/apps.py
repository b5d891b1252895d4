from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "harbour.apps.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from harbour.apps.reports import delivery
        from harbour.web.nav import NavItem, add

        add(NavItem("Weekly report", "/reports/weekly/", "reports.weekly", 70))
        add(NavItem("Governors' report", "/reports/governors/", "reports.governors", 71))
        delivery.join_worker()
