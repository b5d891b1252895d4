from django.urls import path

from harbour.apps.records.api import views

urlpatterns = [
    path("", views.records, name="api-records"),
    path("openapi.json", views.schema, name="api-records-openapi"),
    path("figures/", views.figures, name="api-records-figures"),
    path("<int:pk>/", views.record, name="api-record"),
    path("<int:pk>/evidence/<int:item>/", views.download, name="api-record-download"),
    path("<int:pk>/<slug:op>/", views.operate, name="api-record-op"),
    path("<int:pk>/<slug:op>/<int:target>/", views.operate, name="api-record-op-on"),
]
