from django.urls import path

from harbour.apps.policies import views

urlpatterns = [path("", views.policy_page, name="policy")]
