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
        from sinergi.core.anchor import set_witness_sender

        from . import account_mail, digest, outbox, permissions, webhooks

        # Audit anchors go to the witness URL through the same SSRF-checked sender.
        set_witness_sender(webhooks.post)
        del account_mail, digest, outbox, permissions, webhooks
