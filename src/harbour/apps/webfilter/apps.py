from django.apps import AppConfig


class WebfilterConfig(AppConfig):
    name = "harbour.apps.webfilter"
    label = "webfilter"
    verbose_name = "Web filtering: block page, unblock requests, change log"
