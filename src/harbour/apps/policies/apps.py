from django.apps import AppConfig


class PoliciesConfig(AppConfig):
    name = "harbour.apps.policies"
    label = "policies"
    verbose_name = "Policy versions"
