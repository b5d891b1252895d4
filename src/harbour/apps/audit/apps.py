from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "harbour.apps.audit"
    label = "audit"
    verbose_name = "Audit log"
