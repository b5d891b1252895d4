from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "harbour.apps.events"
    label = "events"
    verbose_name = "Decision events"
