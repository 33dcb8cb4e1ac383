"""Admin for notifications (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import Notification, OutgoingEmail, Webhook, WebhookDelivery


@admin.register(Webhook)
class WebhookAdmin(ReadOnlyAdmin):
    """Agency webhooks and channel gateways; the secret is never shown."""

    list_display = ("agency", "channel", "url", "is_active", "created_at")
    exclude = ("secret",)


admin.site.register(WebhookDelivery, ReadOnlyAdmin)


@admin.register(OutgoingEmail)
class OutgoingEmailAdmin(ReadOnlyAdmin):
    """The email queue: what was sent, what waits for the mail server and why."""

    list_display = ("pk", "subject", "status", "attempts", "next_attempt_at", "last_error")
    list_filter = ("status",)
    exclude = ("message",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    """Inbox rows (for support: who was told what, when)."""

    list_display = ("created_at", "user", "event", "title", "read_at")
    list_filter = ("module", "urgent")
