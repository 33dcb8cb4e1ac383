"""Take over the tables that ``coordination`` created (state only: no row moves); 0002
renames them and adds what the event path needs."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

CASCADE = django.db.models.deletion.CASCADE


def _id() -> models.BigAutoField:
    return models.BigAutoField(
        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
    )


STATE = [
    migrations.CreateModel(
        name="Notification",
        fields=[
            ("id", _id()),
            ("kind", models.CharField(max_length=20, verbose_name="kind")),
            ("title", models.CharField(max_length=250, verbose_name="title")),
            ("created_at", models.DateTimeField(verbose_name="created at")),
            ("read_at", models.DateTimeField(blank=True, null=True, verbose_name="read at")),
            ("url", models.CharField(blank=True, default="", max_length=300, verbose_name="link")),
            (
                "user",
                models.ForeignKey(
                    on_delete=CASCADE,
                    related_name="coordination_notes",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
        ],
        options={
            "db_table": "coordination_notification",
            "verbose_name": "notification",
            "verbose_name_plural": "notifications",
            "ordering": ["-created_at", "-pk"],
            "indexes": [
                models.Index(fields=["user", "read_at"], name="coordinatio_user_id_24c50e_idx")
            ],
        },
    ),
    migrations.CreateModel(
        name="Webhook",
        fields=[
            ("id", _id()),
            ("url", models.URLField(max_length=500, verbose_name="URL")),
            ("secret", models.CharField(editable=False, max_length=64, verbose_name="secret")),
            ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ("created_at", models.DateTimeField(verbose_name="created at")),
            (
                "agency",
                models.ForeignKey(
                    on_delete=CASCADE,
                    related_name="+",
                    to="agencies.agency",
                    verbose_name="agency",
                ),
            ),
        ],
        options={
            "db_table": "coordination_webhook",
            "verbose_name": "webhook",
            "verbose_name_plural": "webhooks",
            "ordering": ["agency__name", "pk"],
        },
    ),
    migrations.CreateModel(
        name="WebhookDelivery",
        fields=[
            ("id", _id()),
            ("event", models.CharField(max_length=50, verbose_name="event")),
            ("payload", models.JSONField(verbose_name="payload")),
            (
                "status",
                models.CharField(
                    db_index=True, default="pending", max_length=10, verbose_name="status"
                ),
            ),
            ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
            (
                "next_attempt_at",
                models.DateTimeField(db_index=True, null=True, verbose_name="next attempt at"),
            ),
            (
                "last_status_code",
                models.PositiveSmallIntegerField(null=True, verbose_name="last HTTP status"),
            ),
            ("last_error", models.CharField(blank=True, max_length=300, verbose_name="last error")),
            ("created_at", models.DateTimeField(verbose_name="created at")),
            (
                "delivered_at",
                models.DateTimeField(blank=True, null=True, verbose_name="delivered at"),
            ),
            (
                "webhook",
                models.ForeignKey(
                    on_delete=CASCADE, related_name="deliveries", to="notifications.webhook"
                ),
            ),
        ],
        options={
            "db_table": "coordination_webhookdelivery",
            "verbose_name": "webhook delivery",
            "verbose_name_plural": "webhook deliveries",
            "ordering": ["-created_at", "-pk"],
        },
    ),
    migrations.CreateModel(
        name="EmailPreference",
        fields=[
            ("id", _id()),
            (
                "new_requests",
                models.BooleanField(default=True, verbose_name="new requests to my agency"),
            ),
            (
                "status_changes",
                models.BooleanField(
                    default=True,
                    verbose_name="status changes and messages on my agency's requests",
                ),
            ),
            (
                "escalations",
                models.BooleanField(default=True, verbose_name="reminders and escalations"),
            ),
            (
                "meetings",
                models.BooleanField(default=True, verbose_name="meeting invitations and minutes"),
            ),
            ("daily_digest", models.BooleanField(default=True, verbose_name="daily digest")),
            ("updated_at", models.DateTimeField(verbose_name="updated at")),
            (
                "user",
                models.OneToOneField(
                    on_delete=CASCADE,
                    related_name="coordination_email",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
        ],
        options={
            "db_table": "coordination_emailpreference",
            "verbose_name": "email preference",
            "verbose_name_plural": "email preferences",
        },
    ),
    migrations.CreateModel(
        name="DigestSent",
        fields=[
            ("id", _id()),
            ("date", models.DateField(verbose_name="date")),
            ("items", models.PositiveIntegerField(default=0, verbose_name="items")),
            ("created_at", models.DateTimeField(verbose_name="created at")),
            (
                "user",
                models.ForeignKey(
                    on_delete=CASCADE,
                    related_name="coordination_digests",
                    to=settings.AUTH_USER_MODEL,
                ),
            ),
        ],
        options={
            "db_table": "coordination_digestsent",
            "verbose_name": "daily digest",
            "verbose_name_plural": "daily digests",
            "ordering": ["-date", "pk"],
            "constraints": [
                models.UniqueConstraint(fields=("user", "date"), name="coordination_digest_once")
            ],
        },
    ),
    migrations.CreateModel(
        name="OutgoingEmail",
        fields=[
            ("id", _id()),
            ("to", models.JSONField(verbose_name="recipients")),
            ("subject", models.CharField(max_length=255, verbose_name="subject")),
            ("message", models.BinaryField(verbose_name="message")),
            (
                "status",
                models.CharField(
                    db_index=True, default="pending", max_length=10, verbose_name="status"
                ),
            ),
            ("attempts", models.PositiveSmallIntegerField(default=0, verbose_name="attempts")),
            (
                "next_attempt_at",
                models.DateTimeField(db_index=True, null=True, verbose_name="next attempt at"),
            ),
            ("last_error", models.CharField(blank=True, max_length=300, verbose_name="last error")),
            ("created_at", models.DateTimeField(verbose_name="created at")),
            ("sent_at", models.DateTimeField(blank=True, null=True, verbose_name="sent at")),
        ],
        options={
            "db_table": "coordination_outgoingemail",
            "verbose_name": "outgoing email",
            "verbose_name_plural": "outgoing emails",
            "ordering": ["-created_at", "-pk"],
        },
    ),
]


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("coordination", "0006_move_notifications"),
        ("agencies", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(state_operations=STATE, database_operations=[]),
    ]
