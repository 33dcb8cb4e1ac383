"""Template tags of the catalog for other apps' pages."""

from __future__ import annotations

from typing import Any

from django import template

from sinergi.catalog.selectors import agency_datasets as select_agency_datasets

register = template.Library()

AGENCY_DATASETS_SHOWN = 10


@register.inclusion_tag("catalog/_agency_datasets.html", takes_context=True)
def agency_datasets(context: dict[str, Any], agency: Any) -> dict[str, Any]:
    """The published datasets of an agency that the viewer may read, with a link to the
    agency's data health (``{% agency_datasets agency %}``)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    datasets = select_agency_datasets(user=user, agency=agency)
    return {
        "agency": agency,
        "datasets": datasets[:AGENCY_DATASETS_SHOWN],
        "more": max(0, len(datasets) - AGENCY_DATASETS_SHOWN),
        "signed_in": bool(user and user.is_authenticated),
    }
