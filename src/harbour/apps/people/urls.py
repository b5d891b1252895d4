from django.urls import path

from harbour.apps.people import views

urlpatterns = [path("", views.directory, name="people")]
