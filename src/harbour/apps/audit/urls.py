from django.urls import path

from harbour.apps.audit import views

urlpatterns = [path("", views.audit_log, name="audit")]
