from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "harbour.apps.registers"
    label = "registers"
    verbose_name = "Compliance registers"

    def ready(self) -> None:
        """Join the snapshot, the navigation, the home page and (when present) the worker."""
        from harbour.apps.accounts.views import home_cards
        from harbour.apps.policies.service import contributors
        from harbour.apps.registers import aup, cards, devices, reminders
        from harbour.web.nav import NavItem, add

        # Agreements first of all contributors, so that a stricter restriction added by
        # another app (removed network access) always wins; devices last, so that a device
        # takes its owner's groups as finally restricted.
        if aup.restrict_unsigned not in contributors:
            contributors.insert(0, aup.restrict_unsigned)
        if devices.add_to_snapshot not in contributors:
            contributors.append(devices.add_to_snapshot)
        add(NavItem("My agreements", "/registers/me/", "registers.self", 60))
        add(NavItem("Registers", "/registers/", "registers.reviews_view", 65))
        if cards.home_cards not in home_cards:
            home_cards.append(cards.home_cards)
        reminders.join_worker()
