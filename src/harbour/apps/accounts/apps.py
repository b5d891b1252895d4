from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "harbour.apps.accounts"
    label = "accounts"
    verbose_name = "Accounts and roles"
