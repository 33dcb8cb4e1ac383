"""The one event path: each change emits its event once, in its transaction; hand-offs
tell the waiting agency; a CITO request alerts the PMI unit at once and on its channels;
every webhook payload matches the event's published schema."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import jsonschema
import pytest
from django.core import mail
from django.db import transaction
from django.utils import translation

from sinergi.accounts.models import User
from sinergi.agencies.models import Agency
from sinergi.core.permissions import SYSTEM
from sinergi.notifications import services as nservices
from sinergi.notifications import webhooks
from sinergi.notifications.events import EVENTS, envelope_schema
from sinergi.notifications.models import Notification, Webhook, WebhookDelivery

pytestmark = pytest.mark.django_db

SPAM = "SPAM-SANGGAU-2026"


def _hooks_everywhere(now: dt.datetime) -> None:
    """An active webhook for every agency, so every event is delivered somewhere."""
    Webhook.objects.bulk_create(
        Webhook(agency=a, url="https://example.invalid/h", secret="s" * 64, created_at=now)
        for a in Agency.objects.all()
    )


def _finish(item_wbs: str, now: dt.datetime, *, by: str = "pupr") -> Any:
    from sinergi.programs.models import WorkItem
    from sinergi.programs.scheduling import local_today
    from sinergi.programs.services import progress_record

    item = WorkItem.objects.select_related("program").get(program__code=SPAM, wbs=item_wbs)
    today = local_today(item.program, now)
    return progress_record(
        actor=User.objects.get(username=by),
        item=item,
        data_date=today,
        percent_complete=100,
        actual_start=today - dt.timedelta(days=10),
        actual_finish=today,
        now=now,
    )


def test_finished_predecessor_tells_the_successor_agency_siap_dimulai(
    perkim: Any, now: dt.datetime
) -> None:
    with translation.override("id"):
        update = _finish("5.6", now)
    [note] = Notification.objects.filter(user=perkim)
    assert note.event == "programs.handoff.ready" and note.module == "programs"
    assert "siap dimulai" in note.title and "Pipa distribusi" in note.title
    assert note.url == f"/program/{SPAM}/"
    # Finished is told once to each of the coordinator's managers; "started" was skipped.
    mine = Notification.objects.filter(object_id=str(update.work_item_id))
    finished = mine.filter(event="programs.workitem.finished")
    assert sorted(finished.values_list("user__username", flat=True)) == ["kadispupr", "pupr"]
    assert not mine.filter(event="programs.workitem.started").exists()


def test_each_change_emits_once_and_a_rollback_leaves_nothing(
    perkim: Any, now: dt.datetime
) -> None:
    unit = Agency.objects.get(slug="perkimtan-sanggau")
    Webhook.objects.create(agency=unit, url="https://x.example/h", secret="s" * 64, created_at=now)
    notes, deliveries = Notification.objects.count(), WebhookDelivery.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        _finish("5.6", now)
        assert Notification.objects.filter(user=perkim).count() == 1
        raise RuntimeError("the change is rolled back")
    assert (Notification.objects.count(), WebhookDelivery.objects.count()) == (notes, deliveries)
    _finish("5.6", now)
    events = list(WebhookDelivery.objects.values_list("event", flat=True))
    assert events == ["programs.handoff.ready"]  # once, to the waiting agency's webhook


def test_cito_alerts_the_pmi_unit_at_once_and_by_channel_webhook(
    settings: Any, receiver: Any, client_as: Any, django_capture_on_commit_callbacks: Any, now: Any
) -> None:
    from sinergi.blood import services as blood
    from sinergi.blood.models import Product

    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = True
    url, handler = receiver
    pmi = User.objects.get(username="pmi")
    nservices.email_preferences_set(actor=pmi, now=now, phone="0812-3456-7890", whatsapp=True)
    gateway = nservices.channel_create(actor=SYSTEM, channel="whatsapp", url=url, now=now)
    Notification.objects.filter(user=pmi).update(read_at=now)  # the demo's alerts were seen
    bell_before = client_as("pmi").get("/notifikasi/lonceng/").content.decode()
    assert "bell-urgent" not in bell_before
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True), translation.override("id"):
        req = blood.request_create(
            actor=User.objects.get(username="rsud"),
            hospital=Agency.objects.get(slug="rsud-sanggau"),
            unit=Agency.objects.get(slug="udd-pmi-sanggau"),
            product=Product.objects.get(code="PRC"),
            abo="O",
            rh="pos",
            quantity=2,
            urgency="cito",
            needed_by=now + dt.timedelta(hours=1),
            case_number="RM-CITO-1",
            now=now,
        )
    # In the same request: the inbox row, the bell on any page, the email.
    [note] = Notification.objects.filter(
        user=pmi, event="blood.request.cito", object_id=str(req.pk)
    )
    assert note.urgent and note.url == f"/darah/permintaan/{req.pk}/"
    bell = client_as("pmi").get("/notifikasi/lonceng/").content.decode()
    assert "bell-urgent" in bell and "peringatan mendesak" in bell
    assert any(m.to == ["pmi@demo.sinergi.invalid"] and "CITO" in m.subject for m in mail.outbox)
    assert not Notification.objects.filter(
        event="blood.request.created", object_id=str(req.pk)
    ).exists()
    # And the channel webhook: signed like every webhook, recipient and a short text.
    webhooks.deliver_due(now=now)
    [(path, headers, body)] = handler.seen
    assert path == "/gateway"
    stamp = headers["X-Sinergi-Timestamp"]
    mac = hmac.new(gateway.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    assert hmac.compare_digest(headers["X-Sinergi-Signature"], "sha256=" + mac.hexdigest())
    payload = json.loads(body)
    assert payload["event"] == "channel.message" and payload["channel"] == "whatsapp"
    assert payload["to"] == "+6281234567890" and payload["source_event"] == "blood.request.cito"
    assert (
        payload["text"].startswith("Sinergi: Permintaan darah CITO")
        and "RM-CITO" not in body.decode()
    )
    jsonschema.validate(payload, CHANNEL_SCHEMA)


CHANNEL_SCHEMA = json.loads(
    (
        __import__("pathlib").Path(__file__).resolve().parents[2]
        / "src/sinergi/notifications/schemas/events/channel.message.v1.json"
    ).read_text()
)


def test_every_webhook_payload_matches_its_schema(perkim: Any, now: dt.datetime) -> None:
    from sinergi.blood import services as blood
    from sinergi.blood.models import Product
    from sinergi.coordination import services as coordination

    _hooks_everywhere(now)
    _finish("5.6", now)
    r = coordination.request_submit(
        actor=User.objects.get(username="pupr"),
        from_agency="dpupr-sanggau",
        to_agency="kantah-sanggau",
        kind="data",
        subject="Data bidang tanah",
        body="Mohon data.",
        now=now,
    )
    coordination.request_acknowledge(
        actor=User.objects.get(username="pertanahan"), request=r, now=now
    )
    unit = Agency.objects.get(slug="udd-pmi-sanggau")
    blood.stock_set_levels(
        actor=SYSTEM, unit=unit, levels={("PRC", "A", "pos"): 6}, reason="uji", now=now
    )
    req = blood.request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=unit,
        product=Product.objects.get(code="PRC"),
        abo="A",
        rh="pos",
        quantity=2,
        urgency="urgent",
        needed_by=now + dt.timedelta(hours=3),
        case_number="RM-9",
        now=now,
    )
    blood.request_allocate(actor=SYSTEM, request=req, lines=[("A", "pos", 2)], now=now)
    rows = list(WebhookDelivery.objects.all())
    seen = {row.event for row in rows}
    assert {
        "programs.handoff.ready",
        "programs.workitem.finished",
        "coordination.request.submitted",
        "coordination.request.acknowledged",
        "blood.request.created",
        "blood.request.allocated",
        "blood.stock.changed",
    } <= seen
    for row in rows:
        schema = json.loads(_schema_file(row.event).read_text())
        jsonschema.validate(row.payload, schema, cls=jsonschema.Draft202012Validator)
        with translation.override("en"):  # the file is the code's schema
            code = json.loads(json.dumps(envelope_schema(EVENTS[row.event]), default=str))
        assert schema == code


def _schema_file(event: str) -> Any:
    from pathlib import Path

    import sinergi.notifications

    spec = EVENTS[event]
    folder = Path(sinergi.notifications.__file__).parent / "schemas" / "events"
    return folder / f"{event}.v{spec.version}.json"


def test_every_registered_event_has_its_schema_file_and_docs() -> None:
    from pathlib import Path

    docs = (Path(__file__).resolve().parents[2] / "docs" / "events.md").read_text()
    for name in EVENTS:
        assert _schema_file(name).exists(), name
        assert f"`{name}`" in docs, name
        parts = name.split(".")
        assert len(parts) == 3 and parts[0] in {
            "coordination",
            "programs",
            "blood",
            "catalog",
            "cases",
        }


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("0812-3456-7890", "+6281234567890"),
        ("+62 812 3456 789", "+62812345678" + "9"),
        ("6285712345678", "+6285712345678"),
    ],
)
def test_phone_numbers_are_normalised(raw: str, normalised: str) -> None:
    assert nservices.phone_normalise(raw) == normalised


@pytest.mark.parametrize("raw", ["021-555-1234", "+1 202 555 0100", "0812", "abc"])
def test_phone_numbers_must_be_indonesian_mobiles(raw: str) -> None:
    from sinergi.core.exceptions import ValidationFailed

    with pytest.raises(ValidationFailed):
        nservices.phone_normalise(raw)
