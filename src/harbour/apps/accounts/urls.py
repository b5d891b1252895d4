from django.contrib.auth import views as auth_views
from django.urls import path

from harbour.apps.accounts import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("2fa/", views.second_factor, name="second-factor"),
]
