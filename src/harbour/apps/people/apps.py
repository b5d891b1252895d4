from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "harbour.apps.people"
    label = "people"
    verbose_name = "People"
