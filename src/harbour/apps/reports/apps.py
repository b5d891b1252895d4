from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "harbour.apps.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from harbour.apps.accounts.views import home_cards
        from harbour.apps.reports import cards, delivery
        from harbour.web.nav import NavItem, add

        if cards.home_cards not in home_cards:
            home_cards.append(cards.home_cards)
        add(NavItem("Weekly report", "/reports/weekly/", "reports.weekly", 70))
        add(NavItem("Governors' report", "/reports/governors/", "reports.governors", 71))
        delivery.join_worker()
