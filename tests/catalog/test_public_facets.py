"""The public catalog's publisher facet stays short however many agencies publish: the
20 with the most datasets, any publisher already chosen, and a search by name."""

from __future__ import annotations

import copy
import re

import pytest
from django.db.models.base import ModelState
from django.test import Client

from sinergi.agencies.models import Agency
from sinergi.catalog.models import Dataset
from sinergi.catalog.selectors import FACET_PUBLISHERS, datasets_search, facets

pytestmark = pytest.mark.django_db


def _publish_from_many(n: int) -> list[Agency]:
    """One public dataset from each of ``n`` active agencies (two from the first)."""
    source = Dataset.objects.filter(status="published", access_level="public").first()
    assert source is not None
    agencies = list(Agency.objects.filter(is_active=True).order_by("pk")[:n])
    assert len(agencies) == n
    made = []
    for i, agency in enumerate([agencies[0], *agencies]):
        obj = copy.copy(source)
        obj._state = ModelState()
        obj.pk = None
        obj.slug = f"facet-uji-{i:03d}"
        obj.publisher = agency
        made.append(obj)
    Dataset.objects.bulk_create(made)
    return agencies


def _facet_slugs(html: str) -> list[str]:
    return re.findall(r'href="\?q=&amp;instansi=([^"]+)"', html)


def test_the_facet_lists_the_biggest_publishers_and_offers_a_search() -> None:
    agencies = _publish_from_many(FACET_PUBLISHERS + 10)
    found = facets(datasets_search(user=None, public_only=True))
    assert len(found["organization"]) == FACET_PUBLISHERS
    assert found["organization_more"] is True
    counts = [n for _slug, _label, n in found["organization"]]
    assert counts == sorted(counts, reverse=True)
    html = Client().get("/publik/data/").content.decode()
    assert len(_facet_slugs(html)) == FACET_PUBLISHERS
    assert 'name="penerbit"' in html
    # A publisher outside the top 20 is found by name, and stays listed once chosen.
    last = agencies[-1]
    html = Client().get("/publik/data/", {"penerbit": last.name}).content.decode()
    assert last.slug in _facet_slugs(html)
    html = Client().get("/publik/data/", {"instansi": last.slug}).content.decode()
    assert last.slug in re.findall(r"instansi=([\w-]+)", html)


def test_the_counts_are_those_of_the_result() -> None:
    agencies = _publish_from_many(3)
    qs = datasets_search(user=None, public_only=True)
    found = dict((slug, n) for slug, _label, n in facets(qs)["organization"])
    for agency in agencies:
        assert found[agency.slug] == qs.filter(publisher=agency).count()
