from django.apps import AppConfig


class RecordsConfig(AppConfig):
    """Registers navigation, home cards and the no-access snapshot contributor."""

    name = "harbour.apps.records"
    label = "records"
    verbose_name = "Safeguarding records"

    def ready(self) -> None:
        from harbour.apps.accounts.views import home_cards
        from harbour.apps.policies.service import contributors
        from harbour.apps.records import home, network
        from harbour.web.nav import NavItem, add

        add(NavItem("Report a concern", "/records/report/", "safeguarding.report", 30))
        add(NavItem("Records", "/records/", "safeguarding.report", 31))
        add(NavItem("Retention", "/records/retention/", "records.manage", 80))
        add(NavItem("Safeguarding figures", "/records/figures/", "reports.governors", 85))
        if home.cards not in home_cards:
            home_cards.append(home.cards)
        if network.contribute not in contributors:
            contributors.append(network.contribute)
