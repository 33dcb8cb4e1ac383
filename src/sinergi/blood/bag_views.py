"""Pages of the bags of a blood unit: the bag list, bag tracking on and off, one bag."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.permissions import can, ensure_can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import services
from .choices import BagStatus
from .forms import (
    BagFilterForm,
    BagForm,
    TrackForm,
    UntrackForm,
)
from .models import Bag, Product
from .selectors import (
    bags_for,
    products,
    stock_cells,
    tracked_products,
)
from .views import _unit_or_404

PUBLIC_CACHE = "public, max-age=5"
CHART_COLOURS = {"A": "#c0392b", "B": "#2471a3", "O": "#1e8449", "AB": "#7d3c98"}


# --- bags -------------------------------------------------------------------------------


@login_required
@friendly_errors
def bags(request: AuthedRequest, slug: str) -> HttpResponse:
    """The unit's tracked bags with filters, first expiry first."""
    unit = _unit_or_404(slug)
    tracked = tracked_products(unit)
    form = BagFilterForm(
        request.GET or None,
        products=Product.objects.filter(pk__in=[p.pk for p in tracked]),
    )
    qs = bags_for(request.user).filter(unit=unit)
    moment = now()
    if form.is_valid():
        d = form.cleaned_data
        if d["product"]:
            qs = qs.filter(product=d["product"])
        if d["abo"]:
            qs = qs.filter(abo=d["abo"])
        if d["rh"]:
            qs = qs.filter(rh=d["rh"])
        if d["status"]:
            qs = qs.filter(status=d["status"])
        if d["expiring"] is not None:
            qs = qs.filter(
                status=BagStatus.AVAILABLE,
                expires_at__lte=moment + dt.timedelta(days=d["expiring"]),
            )
        if d["number"]:
            qs = qs.filter(donation_number__icontains=d["number"].strip())
    soon = moment + dt.timedelta(days=3)
    return render(
        request,
        "blood/bags.html",
        {
            "unit": unit,
            "tracked": tracked,
            "form": form,
            "soon": soon,
            "moment": moment,
            "can_record": can(request.user, "blood.record", unit),
            **paginate_request(request, qs),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def bag_tracking(request: AuthedRequest, slug: str) -> HttpResponse:
    """Settings of tracking by bag: each product with its state; the unit's managers switch
    a product on (labelling the bags in stock) or off."""
    unit = _unit_or_404(slug)
    track_form: TrackForm | None = None
    untrack_form: UntrackForm | None = None
    status = 200
    if request.method == "POST":
        ensure_can(request.user, "blood.configure", unit)
        if request.POST.get("action") == "untrack":
            untrack_form = UntrackForm(request.POST, auto_id="id_posted_%s")
            if untrack_form.is_valid():
                product = untrack_form.cleaned_data["product"]
                try:
                    n = services.unit_untrack_bags(
                        actor=request.user, unit=unit, product=product, now=now()
                    )
                except ValidationFailed as exc:
                    apply_errors(untrack_form, exc)
                else:
                    messages.success(
                        request,
                        _("%(p)s is counted per cell again; %(n)d bags in stock kept as history.")
                        % {"p": product.code, "n": n},
                    )
                    return redirect("blood:bag_tracking", slug=unit.slug)
        else:
            track_form = TrackForm(request.POST, auto_id="id_posted_%s")
            if track_form.is_valid():
                product = track_form.cleaned_data["product"]
                try:
                    n = services.unit_track_bags(
                        actor=request.user,
                        unit=unit,
                        product=product,
                        bags=[
                            services.BagRecord(number, abo, rh, collected, expires)
                            for number, abo, rh, collected, expires in track_form.cleaned_data[
                                "bags"
                            ]
                        ],
                        now=now(),
                    )
                except ValidationFailed as exc:
                    for field, msgs in exc.fields.items():
                        for msg in msgs:
                            track_form.add_error(
                                "bags" if field.startswith(("bags", "donation")) else None,
                                f"{field.replace('bags.', _('bag') + ' ')}: {msg}"
                                if field.startswith("bags.")
                                else msg,
                            )
                    if not exc.fields:
                        track_form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _("%(p)s is tracked by bag from now on: %(n)d bags recorded.")
                        % {"p": product.code, "n": n},
                    )
                    return redirect("blood:bag_tracking", slug=unit.slug)
        status = 422
    tracked = {p.pk for p in tracked_products(unit)}
    cells = stock_cells(unit)
    rows = []
    for product in products():
        in_stock = sum(q for (c, _a, _r), q in cells.items() if c == product.code)
        is_tracked = product.pk in tracked
        posted = untrack_form if is_tracked else track_form
        form: TrackForm | UntrackForm | None = None
        if posted is not None and posted.data.get("product") == product.code:
            form = posted
        elif is_tracked:
            form = UntrackForm(initial={"product": product.code}, auto_id=f"id_{product.code}_%s")
        else:
            form = TrackForm(initial={"product": product.code}, auto_id=f"id_{product.code}_%s")
        rows.append(
            {
                "product": product,
                "tracked": is_tracked,
                "in_stock": in_stock,
                "form": form,
                "open": form is posted,
            }
        )
    posted_form = track_form or untrack_form
    if posted_form is not None and not any(r["open"] for r in rows):
        # The product changed state meanwhile (or is unknown): say why on top of the page.
        for errors in posted_form.errors.values():
            for error in errors:
                messages.error(request, str(error))
    return render(
        request,
        "blood/bag_tracking.html",
        {
            "unit": unit,
            "rows": rows,
            "can_configure": can(request.user, "blood.configure", unit),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def bag_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One bag; the unit's officer corrects its expiry or number from the label."""
    bag = get_visible_or_404(request.user, Bag, pk=pk)
    editable = bag.status == BagStatus.AVAILABLE and can(request.user, "blood.record", bag.unit)
    local = timezone.localtime(bag.expires_at, zoneinfo.ZoneInfo(settings.TIME_ZONE))
    form = BagForm(
        request.POST or None,
        initial={
            "donation_number": bag.donation_number,
            "expires_at": local.strftime("%Y-%m-%dT%H:%M"),
        },
    )
    if request.method == "POST":
        ensure_can(request.user, "blood.record", bag.unit)
        if form.is_valid():
            try:
                services.bag_update(
                    actor=request.user,
                    bag=bag,
                    expires_at=form.cleaned_data["expires_at"],
                    donation_number=form.cleaned_data["donation_number"],
                    now=now(),
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            except Conflict as exc:
                messages.error(request, exc.message)
                return redirect("blood:bag", pk=bag.pk)
            else:
                messages.success(request, _("Bag corrected."))
                return redirect("blood:bags", slug=bag.unit.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "blood/bag_detail.html",
        {"bag": bag, "form": form, "editable": editable},
        status=status,
    )
