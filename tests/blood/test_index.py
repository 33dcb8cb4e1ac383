"""The blood index (``/darah/``) at national scale: 20 units a page, a province filter once
the units span several provinces, each unit's groups as before."""

from __future__ import annotations

from typing import Any


def test_index_pages_units_and_filters_by_province(client_as: Any, now: Any) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.blood.selectors import blood_units, unit_summaries, unit_summary
    from sinergi.regions.models import Region

    client = client_as("bupati")
    demo = list(blood_units())
    html = client.get("/darah/").content.decode()
    assert 'name="wilayah"' not in html  # the demo's units share a province
    assert html.count('class="card blood-unit"') == len(demo)
    sanggau = next(u for u in demo if u.slug == "udd-pmi-sanggau")
    assert sanggau.name in html

    aceh = Region.objects.filter(code__startswith="11.").order_by("code").first()
    Agency.objects.bulk_create(
        Agency(
            slug=f"udd-uji-{i:02d}",
            name=f"UDD Uji {i:02d}",
            kind="blood_unit",
            region=aceh,
            created_at=now,
            updated_at=now,
        )
        for i in range(25)
    )
    first = client.get("/darah/").content.decode()
    assert first.count('class="card blood-unit"') == 20
    assert 'name="wilayah"' in first and ">Aceh</option>" in first
    kalbar = client.get("/darah/?wilayah=61").content.decode()
    assert kalbar.count('class="card blood-unit"') == len(demo)
    assert "UDD Uji" not in kalbar
    # Read together, each unit's summary is what it is read alone, whatever its window.
    from sinergi.blood.models import UnitProfile

    UnitProfile.objects.filter(unit=sanggau).update(rate_window_days=7)
    demo = list(blood_units().filter(pk__in=[u.pk for u in demo]))
    together = unit_summaries(demo, now=now)
    assert {pk: together[pk] for pk in (u.pk for u in demo)} == {
        u.pk: unit_summary(u, now=now) for u in demo
    }
    assert (
        client.get("/darah/?wilayah=11&page=2").content.decode().count('class="card blood-unit"')
        == 5
    )
