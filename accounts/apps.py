from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's own app (email addresses) is "Accounts" in the admin already.
    verbose_name = _("Users")

    def ready(self) -> None:
        from accounts import adapters, audit  # noqa: F401  (connect their receivers)
