"""Public pages: the front page, the agency directory, an agency's page, the blood stock.

Anonymous, no sign-in redirect, the same for every visitor; each page stays light (see
``tests/portal/test_pages.py`` for the first-load budget)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sinergi.agencies.forms import DirectoryFilterForm
from sinergi.agencies.models import Agency
from sinergi.blood.selectors import blood_provinces, blood_units_in
from sinergi.core.clock import now
from sinergi.core.paging import paginate_bounded
from sinergi.core.views import paginate_request

from . import selectors

SCOREBOARD_PATH = "/publik/skor/"
SERVICES_PATH = "/publik/layanan/"
BLOOD_PER_PAGE = 20  # units a page of /publik/darah/: about 2.5 KB each


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The public front page: what Sinergi publishes, with a few live numbers."""
    context = {
        "figures": selectors.front_page_figures(now=now()),
        "scoreboard_path": SCOREBOARD_PATH if selectors.route_exists(SCOREBOARD_PATH) else "",
        "services_path": SERVICES_PATH if selectors.route_exists(SERVICES_PATH) else "",
    }
    return render(request, "portal/index.html", context)


@require_GET
def agencies(request: HttpRequest) -> HttpResponse:
    """The directory of agencies with their mandates, by kind, searchable."""
    form = DirectoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = selectors.directory(
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        sector=data.get("sector", ""),
        affair=data.get("affair", ""),
    )
    context = {"form": form, **paginate_bounded(request, qs, per_page=30)}
    return render(request, "portal/agencies.html", context)


@require_GET
def agency(request: HttpRequest, slug: str) -> HttpResponse:
    """An agency's public page: mandate, contact, public programmes and datasets."""
    found = (
        Agency.objects.public()
        .select_related("region", "parent")
        .prefetch_related("sectors", "affairs")
        .filter(slug=slug[:100])
        .first()
    )
    if found is None:
        raise Http404
    context = {
        "agency": found,
        "children": selectors.directory().filter(parent=found),
        "programs": selectors.agency_programs(found),
        "datasets": selectors.agency_datasets(found),
    }
    return render(request, "portal/agency.html", context)


@require_GET
def blood(request: HttpRequest) -> HttpResponse:
    """The PMI units' stock by group and product, with the ticker line and its time: a
    page of units at a time, filtered by province when the units span several."""
    provinces = blood_provinces()
    province = request.GET.get("wilayah", "")
    if province not in {code for code, _name in provinces}:
        province = ""
    pages = paginate_request(request, blood_units_in(province), per_page=BLOOD_PER_PAGE)
    context = {
        "tables": selectors.blood_stock_tables(now=now(), units=pages["page_obj"].object_list),
        "provinces": provinces if len(provinces) > 1 else [],
        "province": province,
        **pages,
    }
    return render(request, "portal/blood.html", context)
