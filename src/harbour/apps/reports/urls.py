from django.urls import path

from harbour.apps.reports import views

urlpatterns = [
    path("weekly/", views.weekly, name="report-weekly"),
    path("governors/", views.governors, name="report-governors"),
]
