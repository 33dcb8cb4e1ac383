"""The inbox, preferences, email outbox, webhooks (agency and channel) and their deliveries.

These tables belonged to ``coordination`` until the event path became its own app; the
migration kept their rows (see docs/decisions/notifications-event-path.md).
"""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import HiddenQuerySet, VisibleQuerySet


def _member_agency_ids(user: Any) -> list[int]:
    from sinergi.agencies.selectors import user_memberships

    return [m.agency_id for m in user_memberships(user)]


class NotificationQuerySet(VisibleQuerySet):
    """Each user reads their own notifications."""

    def visible_to(self, user: Any) -> Self:
        """The user's own rows."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)

    def unread(self) -> Self:
        """Rows not read yet."""
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """An in-app inbox entry for one user about one event (``<module>.<entity>.<verb>``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    #: The full event name; empty on rows written before the event path existed.
    event = models.CharField(_("event"), max_length=80, blank=True, default="")
    #: The module (first part of the event name): the filter on /notifikasi/.
    module = models.CharField(_("module"), max_length=20, blank=True, default="", db_index=True)
    #: The short kind older code and the email categories knew (``submitted``, ``answer``…).
    kind = models.CharField(_("kind"), max_length=20)
    category = models.CharField(_("category"), max_length=30, blank=True, default="")
    title = models.CharField(_("title"), max_length=250)
    url = models.CharField(_("link"), max_length=300, blank=True, default="")
    object_type = models.CharField(_("object type"), max_length=60, blank=True, default="")
    object_id = models.CharField(_("object id"), max_length=40, blank=True, default="")
    urgent = models.BooleanField(_("urgent"), default=False)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [models.Index(fields=["user", "read_at"], name="coordinatio_user_id_24c50e_idx")]

    def __str__(self) -> str:
        return self.title


class WebhookQuerySet(VisibleQuerySet):
    """Agencies' webhooks: their members see them; channel gateways: platform admins."""

    def visible_to(self, user: Any) -> Self:
        """Webhooks of the user's agencies."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(agency_id__in=_member_agency_ids(user))


class Channel(models.TextChoices):
    """What a webhook carries: an agency's events, or messages for one person."""

    EVENTS = "", _("Agency events")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class Webhook(models.Model):
    """An endpoint that receives signed events (HMAC-SHA256 over ``<timestamp>.<body>``):
    an agency's event webhook, or a platform channel gateway (WhatsApp, SMS) that receives
    a recipient's phone number and a short text to deliver."""

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        on_delete=models.CASCADE,
        related_name="+",
        null=True,
        blank=True,
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, blank=True, default=""
    )
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(_("secret"), max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"))

    objects = WebhookQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "pk"]
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")

    def __str__(self) -> str:
        return f"{self.agency or self.get_channel_display()} → {self.url}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this webhook."""
        return self.agency.region.code if self.agency else ""


class DeliveryQuerySet(VisibleQuerySet):
    """A webhook's delivery log is seen by whoever sees the webhook."""

    def visible_to(self, user: Any) -> Self:
        """Deliveries of the webhooks the user sees."""
        return self.filter(webhook__in=Webhook.objects.visible_to(user).values("pk"))


class OwnQuerySet(VisibleQuerySet):
    """Rows about one user (their preferences, their digests): only that user."""

    def visible_to(self, user: Any) -> Self:
        """The user's own rows."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class WebhookDelivery(models.Model):
    """One event for one webhook: written with the change that caused it, sent by the tick,
    retried with backoff; the delivery log."""

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(_("event"), max_length=80)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, default="pending", db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"{self.event} #{self.pk} {self.status}"


class Delivery(models.TextChoices):
    """How a category of notifications reaches a user (the inbox always gets them)."""

    INBOX = "inbox", _("Inbox only")
    EMAIL = "email", _("Email now")
    DIGEST = "digest", _("In the daily digest")


class EmailPreference(models.Model):
    """How a user receives each category of notifications (inbox only, email now, daily
    digest), the daily digest itself, and the WhatsApp/SMS channels for urgent alerts.
    A user without a row gets every email and the daily digest."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    # The four coordination categories as they were first stored (True = email now); the
    # ``delivery`` map, when it names a category, wins.
    new_requests = models.BooleanField(_("new requests to my agency"), default=True)
    status_changes = models.BooleanField(
        _("status changes and messages on my agency's requests"), default=True
    )
    escalations = models.BooleanField(_("reminders and escalations"), default=True)
    meetings = models.BooleanField(_("meeting invitations and minutes"), default=True)
    daily_digest = models.BooleanField(_("daily digest"), default=True)
    #: category → ``inbox`` | ``email`` | ``digest``
    delivery = models.JSONField(_("delivery per category"), default=dict, blank=True)
    #: Normalised ``+62…``; empty when the user has not opted in to any channel.
    phone = models.CharField(_("mobile number"), max_length=16, blank=True, default="")
    whatsapp = models.BooleanField(_("urgent alerts by WhatsApp"), default=False)
    sms = models.BooleanField(_("urgent alerts by SMS"), default=False)
    updated_at = models.DateTimeField(_("updated at"))

    objects = OwnQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)


class DigestSent(models.Model):
    """One daily digest per user and local date: the row is written before the email goes
    out, so two ticks or two workers never send it twice."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digests_sent"
    )
    date = models.DateField(_("date"))
    items = models.PositiveIntegerField(_("items"), default=0)
    created_at = models.DateTimeField(_("created at"))

    objects = OwnQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "pk"]
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="coordination_digest_once")
        ]
        # The digest tick reads one day's rows (who already had it) whatever the history.
        indexes = [models.Index(fields=["date", "user"], name="notifications_digest_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.date}"


class OutgoingEmail(models.Model):
    """One email of an event: written with the change that caused it, sent right after the
    commit and, while the mail server is down, again by the worker's tick with backoff —
    an email is never lost to an outage."""

    to = models.JSONField(_("recipients"))
    subject = models.CharField(_("subject"), max_length=255)
    message = models.BinaryField(_("message"))  # the whole MIME message, as it was built
    status = models.CharField(_("status"), max_length=10, default="pending", db_index=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, db_index=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")

    def __str__(self) -> str:
        return f"{self.subject} #{self.pk} {self.status}"


class EmittedOnce(models.Model):
    """An event that must be told once only (a late work item per week): its key, written
    in the transaction of the emit, unique, so a tick that runs again stays quiet."""

    key = models.CharField(_("key"), max_length=150, unique=True)
    created_at = models.DateTimeField(_("created at"))

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("event told once")
        verbose_name_plural = _("events told once")

    def __str__(self) -> str:
        return self.key
