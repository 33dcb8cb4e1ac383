"""App configuration for notifications."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    """The one event path: inbox, email outbox, webhooks, channel webhooks and the digest."""

    name = "sinergi.notifications"
    label = "notifications"
    verbose_name = _("Notifications")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import account_mail, digest, outbox, permissions, webhooks

        del account_mail, digest, outbox, permissions, webhooks
