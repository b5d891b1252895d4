"""URL map: each app owns its routes."""

from django.urls import include, path

from harbour.web import assets

urlpatterns = [
    path("", include("harbour.apps.accounts.urls")),
    path("policy/", include("harbour.apps.policies.urls")),
    path("people/", include("harbour.apps.people.urls")),
    path("audit/", include("harbour.apps.audit.urls")),
    path("", include("harbour.apps.webfilter.urls")),
    path("records/", include("harbour.apps.records.urls")),
    path("api/records/", include("harbour.apps.records.api.urls")),
    path("registers/", include("harbour.apps.registers.urls")),
    path("api/registers/", include("harbour.apps.registers.api")),
    path("", include("harbour.apps.alerts.urls")),
    path("reports/", include("harbour.apps.reports.urls")),
    path("assets/<slug:name>.js", assets.script, name="asset-script"),
]
