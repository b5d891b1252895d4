from django.urls import path

from harbour.apps.alerts import api, views

urlpatterns = [
    path("alerts/", views.queue, name="alerts"),
    path("alerts/ignore-rules/", views.ignore_rules, name="alert-ignore-rules"),
    path("alerts/<int:pk>/", views.detail, name="alert"),
    path("alerts/<int:pk>/<slug:action>/", views.act, name="alert-act"),
    path("api/monitoring/events", api.ingest_events, name="monitoring-events-api"),
]
