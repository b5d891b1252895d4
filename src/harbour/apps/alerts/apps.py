import importlib

from django.apps import AppConfig

NOTIFY_EVERY_S = 2
RETENTION_EVERY_S = 3600


class AlertsConfig(AppConfig):
    name = "harbour.apps.alerts"
    label = "alerts"
    verbose_name = "Monitoring alerts"

    def ready(self) -> None:
        from harbour.apps.accounts.views import home_cards
        from harbour.apps.alerts.views import open_alert_cards
        from harbour.web.nav import NavItem, add

        add(NavItem("Alerts", "/alerts/", "monitoring.triage", 15))
        if open_alert_cards not in home_cards:
            home_cards.append(open_alert_cards)
        connect_events()


def _events_module(name: str):  # type: ignore[no-untyped-def]
    """The events area's module, or None while that area is not installed."""
    from django.apps import apps

    if not apps.is_installed("harbour.apps.events"):
        return None
    try:
        return importlib.import_module(f"harbour.apps.events.{name}")
    except ImportError:
        return None


def connect_events() -> None:
    """Classify events as the events area stores them, and run our jobs in its worker."""
    from harbour.apps.alerts.raising import alerts_for_events
    from harbour.apps.alerts.retention import purge_expired
    from harbour.apps.alerts.routing import deliver_pending

    ingest = _events_module("ingest")
    if ingest is not None and alerts_for_events not in ingest.ingest_hooks:
        ingest.ingest_hooks.append(alerts_for_events)
    worker = _events_module("worker")
    if worker is None:
        return
    worker.register_job("alerts-notify", NOTIFY_EVERY_S, deliver_pending)
    worker.register_job("alerts-retention", RETENTION_EVERY_S, purge_expired)
