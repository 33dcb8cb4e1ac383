"""The events of the data catalog, registered with the one event path (docs/events.md)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sinergi.notifications import audiences as aud
from sinergi.notifications.events import Category, EventType, register, register_category

STRING = {"type": "string"}
INTEGER = {"type": "integer"}

DATASET_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "slug", "title", "publisher", "walidata", "status"],
    "properties": {
        "id": INTEGER,
        "slug": STRING,
        "title": STRING,
        "publisher": STRING,
        "walidata": STRING,
        "status": STRING,
    },
    "additionalProperties": False,
}


def dataset_payload(d: Any) -> dict[str, Any]:
    """What a webhook receives about a dataset (the review comment stays inside)."""
    return {
        "dataset": {
            "id": d.pk,
            "slug": d.slug,
            "title": d.title,
            "publisher": d.publisher.slug,
            "walidata": d.walidata.slug,
            "status": d.status,
        }
    }


def data_request_payload(r: Any) -> dict[str, Any]:
    """What a webhook receives about a data request."""
    return {
        "data_request": {
            "id": r.pk,
            "title": r.title,
            "requester": r.requester.slug,
            "producer": r.producer.slug,
            "request": r.request_id,
            "dataset": r.dataset.slug if r.dataset_id else None,
        }
    }


register_category(Category("catalog", _("Data catalog: verification and data requests"), "catalog"))

_DATASET = {"required": ["dataset"], "properties": {"dataset": DATASET_SCHEMA}}

for verb, description, title, audience in (
    (
        "submitted",
        _("A publisher sent a dataset to its walidata for verification"),
        lambda d: (
            _("Dataset to verify: %(title)s (%(agency)s)")
            % {"title": d.title, "agency": d.publisher}
        ),
        lambda d: aud.staff_of(d.walidata),
    ),
    (
        "returned",
        _("The walidata returned a dataset with comments"),
        lambda d: _("Dataset returned for changes: %(title)s") % {"title": d.title},
        lambda d: aud.staff_of(d.publisher),
    ),
    (
        "published",
        _("The walidata published a dataset"),
        lambda d: _("Dataset published: %(title)s") % {"title": d.title},
        lambda d: aud.staff_of(d.publisher),
    ),
):
    register(
        EventType(
            name=f"catalog.dataset.{verb}",
            category="catalog",
            schema=_DATASET,
            payload=dataset_payload,
            title=title,
            url=lambda d: f"/data/{d.slug}/",
            audience=audience,
            agencies=lambda d: [d.publisher, d.walidata],
            description=description,
        )
    )

_DATA_REQUEST = {
    "required": ["data_request"],
    "properties": {
        "data_request": {
            "type": "object",
            "required": ["id", "title", "requester", "producer", "request"],
            "properties": {
                "id": INTEGER,
                "title": STRING,
                "requester": STRING,
                "producer": STRING,
                "request": INTEGER,
                "dataset": {"type": ["string", "null"]},
            },
            "additionalProperties": False,
        }
    },
}
register(
    EventType(
        name="catalog.data_request.created",
        category="catalog",
        schema=_DATA_REQUEST,
        payload=data_request_payload,
        title=lambda r: (
            _("Data request from %(agency)s: %(title)s") % {"agency": r.requester, "title": r.title}
        ),
        url=lambda r: "/data/permintaan/",
        # The producer's staff are told by the coordination request that carries it.
        audience=lambda r: aud.NOBODY,
        agencies=lambda r: [r.requester, r.producer],
        description=_("An agency asked another for data (webhooks; people get the request)"),
    )
)
register(
    EventType(
        name="catalog.data_request.fulfilled",
        category="catalog",
        schema=_DATA_REQUEST,
        payload=data_request_payload,
        title=lambda r: _("Your data request was fulfilled: %(title)s") % {"title": r.title},
        url=lambda r: "/data/permintaan/",
        # The requester's staff are told by the answer on the coordination request.
        audience=lambda r: aud.NOBODY,
        agencies=lambda r: [r.requester, r.producer],
        description=_("A published dataset fulfils a data request (webhooks)"),
    )
)
