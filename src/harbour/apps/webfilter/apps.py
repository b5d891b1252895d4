from django.apps import AppConfig


class WebfilterConfig(AppConfig):
    name = "harbour.apps.webfilter"
    label = "webfilter"
    verbose_name = "Web filtering: block page, unblock requests, change log"

    def ready(self) -> None:
        from harbour.apps.accounts.views import home_cards
        from harbour.apps.events.worker import register_job
        from harbour.apps.policies.service import contributors
        from harbour.apps.webfilter.cards import queue_cards
        from harbour.apps.webfilter.notify import NOTIFY_EVERY_S, send_notifications
        from harbour.apps.webfilter.service import contribute_overrides, expire_due
        from harbour.web.nav import NavItem, add

        add(NavItem("Unblock requests", "/filtering/requests/", "filtering.request_unblock", 40))
        add(NavItem("Unblock queue", "/filtering/queue/", "filtering.approve_unblock", 41))
        add(NavItem("School lists", "/filtering/lists/", "filtering.change_lists", 42))
        add(NavItem("Filter changes", "/filtering/changes/", "filtering.view_changes", 43))
        if contribute_overrides not in contributors:
            contributors.append(contribute_overrides)
        if queue_cards not in home_cards:
            home_cards.append(queue_cards)
        register_job("filtering-expire-unblocks", 30.0, expire_due)
        register_job("filtering-notify", NOTIFY_EVERY_S, send_notifications)
