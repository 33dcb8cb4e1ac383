"""Views of the blood app: the public ticker, widget and stock pages; the unit officer's
stock grid and forms; hospital requests, dropping and the health office dashboard."""

from __future__ import annotations

import datetime as dt
import hashlib
import zoneinfo
from collections.abc import Callable
from typing import Any

from csp.decorators import csp_exempt, csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotModified
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sinergi.agencies.models import Agency
from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, Forbidden, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.permissions import can, ensure_can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import services
from .choices import DonorCallStatus, MovementKind, StockStatus
from .forms import (
    AllocateForm,
    DonorCallForm,
    DroppingForm,
    MovementForm,
    ReasonForm,
    RequestForm,
    UploadForm,
    split_cell,
    split_numbers,
)
from .models import BloodRequest, DonorCall, Dropping, Movement
from .selectors import (
    GROUPS,
    RHS,
    blood_provinces,
    blood_units,
    blood_units_in,
    dashboard_figures,
    donor_calls_for,
    droppings_for,
    hospitals_of,
    is_stale,
    neighbours_with_stock,
    open_requests_to,
    products,
    profile_of,
    requests_for,
    stock_cells,
    stock_history,
    supply_series,
    tracked_products,
    unit_summaries,
    unit_summary,
    units_of,
)
from .ticker import ticker_data, ticker_name

PUBLIC_CACHE = "public, max-age=5"
UNITS_PER_PAGE = 20  # units a page of /darah/ (500 at national scale)
CHART_COLOURS = {"A": "#c0392b", "B": "#2471a3", "O": "#1e8449", "AB": "#7d3c98"}


def _conditional(request: HttpRequest, etag: str, make: Any) -> HttpResponse:
    if etag in request.headers.get("If-None-Match", ""):
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = make()
    response["ETag"] = etag
    response["Cache-Control"] = PUBLIC_CACHE
    return response


def _unit_or_404(slug: str) -> Agency:
    unit = blood_units().filter(slug=slug).first()
    if unit is None:
        raise Http404(_("Not found."))
    return unit


# --- public -----------------------------------------------------------------------------


@require_GET
@xframe_options_exempt
@csp_exempt()
def ticker_json(request: HttpRequest) -> HttpResponse:
    """Public totals per ABO group of every blood unit (or ``?unit=slug``), with ETag.

    A JSON body is never rendered as a page, so it skips the CSP and frame headers: that
    and the cached body keep this hot path (news sites poll it) cheap."""
    slug = request.GET.get("unit") or None
    data = ticker_data(now=now(), unit_slug=slug)
    if slug and not data.units:
        raise Http404(_("Not found."))
    response = _conditional(
        request,
        data.etag,
        lambda: HttpResponse(data.body, content_type="application/json"),
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def ticker(request: HttpRequest) -> HttpResponse:
    """The embeddable scrolling ticker in the form the public knows; news sites frame it."""
    slug = request.GET.get("unit") or None
    data = ticker_data(now=now(), unit_slug=slug)
    if slug and not data.units:
        raise Http404(_("Not found."))

    def make() -> HttpResponse:
        units = []
        for u in data.units:
            shown = "—"
            if u["updated_at"]:
                moment = dt.datetime.fromisoformat(u["updated_at"].replace("Z", "+00:00"))
                shown = timezone.localtime(moment, zoneinfo.ZoneInfo(settings.TIME_ZONE)).strftime(
                    "%d-%m-%Y %H:%M"
                )
            units.append({**u, "updated_display": shown})
        html = render_to_string("blood/ticker.html", {"units": units}, request=request)
        return HttpResponse(html)

    return _conditional(request, data.etag + "h", make)


@require_GET
def embed_js(request: HttpRequest) -> HttpResponse:
    """The one-line widget: ``<script src=".../darah/embed.js" data-unit="…" async>``."""
    body = render_to_string("blood/embed.js", {})

    etag = '"' + hashlib.blake2b(body.encode(), digest_size=8).hexdigest() + '"'
    response = _conditional(
        request,
        etag,
        lambda: HttpResponse(body, content_type="text/javascript; charset=utf-8"),
    )
    response["Cache-Control"] = "public, max-age=3600"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response


def _chart(series: list[dict[str, Any]]) -> dict[str, Any]:
    """Polylines of a 30-day stock chart in a 600×200 box (server-side SVG)."""
    width, height, pad = 600, 200, 30
    top = max([1] + [row[g] for row in series for g in GROUPS])
    n = max(len(series) - 1, 1)
    lines = []
    for g in GROUPS:
        points = " ".join(
            f"{pad + i * (width - 2 * pad) / n:.1f},"
            f"{height - pad - row[g] * (height - 2 * pad) / top:.1f}"
            for i, row in enumerate(series)
        )
        lines.append({"group": g, "points": points, "colour": CHART_COLOURS[g]})
    return {
        "lines": lines,
        "top": top,
        "first": series[0]["day"] if series else None,
        "last": series[-1]["day"] if series else None,
        "width": width,
        "height": height,
        "pad": pad,
    }


@require_GET
def public_unit(request: HttpRequest, slug: str) -> HttpResponse:
    """A unit's public stock page: groups, status, 30-day chart and donor calls."""
    unit = _unit_or_404(slug)
    moment = now()
    series = stock_history(unit, now=moment)
    calls = DonorCall.objects.filter(
        unit=unit, ends_at__gte=moment, status=DonorCallStatus.PUBLISHED
    ).order_by("starts_at")
    profile = profile_of(unit)
    return render(
        request,
        "blood/public_unit.html",
        {
            "unit": unit,
            "ticker_name": ticker_name(unit),
            "groups": unit_summary(unit, now=moment),
            "profile": profile,
            "stale": is_stale(profile, now=moment),
            "chart": _chart(series),
            "calls": calls,
        },
    )


# --- unit officer -----------------------------------------------------------------------


@login_required
def index(request: AuthedRequest) -> HttpResponse:
    """Blood stock of every unit, with links to the user's own unit and requests."""
    moment = now()
    provinces = blood_provinces()
    province = request.GET.get("wilayah", "")
    if province not in {code for code, _name in provinces}:
        province = ""
    pages = paginate_request(request, blood_units_in(province), per_page=UNITS_PER_PAGE)
    unit_list = list(pages["page_obj"].object_list)
    summaries = unit_summaries(unit_list, now=moment)
    units = [
        {
            "unit": u,
            "groups": summaries[u.pk],
            "stale": is_stale(profile_of(u), now=moment),
        }
        for u in unit_list
    ]
    return render(
        request,
        "blood/index.html",
        {
            "units": units,
            "my_units": units_of(request.user),
            "my_hospitals": hospitals_of(request.user),
            "can_dashboard": can(request.user, "blood.dashboard"),
            "provinces": provinces if len(provinces) > 1 else [],
            "province": province,
            **pages,
        },
    )


def _grid(unit: Agency) -> list[dict[str, Any]]:
    cells = stock_cells(unit)
    tracked = {p.pk for p in tracked_products(unit)}
    return [
        {
            "product": p,
            # A product tracked by bag changes only with its bags, never by a count.
            "tracked": p.pk in tracked,
            "cells": [
                {
                    "name": f"c-{p.code}-{abo}-{rh}",
                    "label": f"{p.code} {abo}{'+' if rh == 'pos' else '−'}",
                    "value": cells.get((p.code, abo, rh), 0),
                }
                for abo in GROUPS
                for rh in RHS
            ],
        }
        for p in products()
    ]


def _unit_context(request: AuthedRequest, unit: Agency, **extra: Any) -> dict[str, Any]:
    moment = now()
    groups = unit_summary(unit, now=moment)
    return {
        "unit": unit,
        "profile": profile_of(unit),
        "stale": is_stale(profile_of(unit), now=moment),
        "groups": groups,
        "critical": [g for g in groups if g.status == StockStatus.CRITICAL],
        "grid": _grid(unit),
        "abo_headers": [(abo, rh) for abo in GROUPS for rh in RHS],
        "can_record": can(request.user, "blood.record", unit),
        "movement_form": extra.pop("movement_form", None) or MovementForm(),
        "upload_form": extra.pop("upload_form", None) or UploadForm(),
        "call_form": extra.pop("call_form", None) or DonorCallForm(),
        "recent": Movement.objects.visible_to(request.user)
        .filter(unit=unit)
        .select_related("product", "counterpart")[:10],
        "droppings": droppings_for(request.user).filter(to_unit=unit, status="requested"),
        "open_requests": open_requests_to(request.user, unit),
        "tracked": tracked_products(unit),
        "calls": donor_calls_for(request.user, unit)
        .filter(ends_at__gte=moment)
        .exclude(status=DonorCallStatus.CLOSED)
        .order_by("status", "starts_at"),
        **extra,
    }


@login_required
@friendly_errors
def unit_page(request: AuthedRequest, slug: str) -> HttpResponse:
    """The unit officer's page: stock grid with quick entry, forms, recent movements."""
    unit = _unit_or_404(slug)
    return render(request, "blood/unit.html", _unit_context(request, unit))


@login_required
@require_POST
@friendly_errors
def unit_levels(request: AuthedRequest, slug: str) -> HttpResponse:
    """Quick entry: the counted grid; differences are recorded as adjustments."""
    unit = _unit_or_404(slug)
    ensure_can(request.user, "blood.record", unit)
    levels: dict[tuple[str, str, str], int] = {}
    bad: list[str] = []
    for p in products():
        for abo in GROUPS:
            for rh in RHS:
                raw = request.POST.get(f"c-{p.code}-{abo}-{rh}", "").strip()
                if raw == "":
                    continue
                try:
                    value = int(raw)
                except ValueError:
                    bad.append(f"{p.code} {abo}{'+' if rh == 'pos' else '−'}")
                    continue
                if not 0 <= value <= services.MAX_BAGS:
                    bad.append(f"{p.code} {abo}{'+' if rh == 'pos' else '−'}")
                    continue
                levels[(p.code, abo, rh)] = value
    reason = request.POST.get("reason", "")
    current = stock_cells(unit)
    error = None
    if bad:
        error = _("Enter whole numbers from 0 to %(n)d: %(cells)s.") % {
            "n": services.MAX_BAGS,
            "cells": ", ".join(bad),
        }
    elif all(v == current.get(k, 0) for k, v in levels.items()):
        # Nothing differs from the recorded stock: say so, record nothing (no reason needed).
        messages.info(
            request, _("No change: the counts equal the recorded stock, so nothing was recorded.")
        )
        return redirect("blood:unit", slug=unit.slug)
    else:
        try:
            result = services.stock_set_levels(
                actor=request.user, unit=unit, levels=levels, reason=reason, now=now()
            )
        except ValidationFailed as exc:
            error = "; ".join(m for msgs in exc.fields.values() for m in msgs) or exc.message
        else:
            messages.success(
                request,
                _("Stock saved: %(n)d adjustments recorded.") % {"n": result.adjustments},
            )
            return redirect("blood:unit", slug=unit.slug)
    context = _unit_context(request, unit, grid_error=error, grid_reason=reason)
    return render(request, "blood/unit.html", context, status=422)


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def movement_new(request: AuthedRequest, slug: str) -> HttpResponse:
    """Record a collection, an issue, an expiry, a discard or an adjustment."""
    unit = _unit_or_404(slug)
    ensure_can(request.user, "blood.record", unit)
    initial = {"kind": request.GET.get("kind", MovementKind.COLLECTED)}
    form = MovementForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.stock_record_movement(
                actor=request.user,
                unit=unit,
                product=d["product"],
                abo=d["abo"],
                rh=d["rh"],
                kind=d["kind"],
                quantity=d["quantity"],
                reason=d["reason"],
                counterpart=d["counterpart"],
                donation_numbers=split_numbers(d["donation_numbers"]),
                now=now(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Movement recorded."))
            return redirect("blood:unit", slug=unit.slug)
    status = 422 if request.method == "POST" else 200
    return render(
        request,
        "blood/movement_form.html",
        {"unit": unit, "form": form, "tracked": tracked_products(unit)},
        status=status,
    )


@login_required
@friendly_errors
def history(request: AuthedRequest, slug: str) -> HttpResponse:
    """The unit's ledger, newest first."""
    unit = _unit_or_404(slug)
    qs = (
        Movement.objects.visible_to(request.user)
        .filter(unit=unit)
        .select_related("product", "counterpart", "recorded_by")
    )
    kind = request.GET.get("kind", "")
    if kind in MovementKind.values:
        qs = qs.filter(kind=kind)
    return render(
        request,
        "blood/history.html",
        {
            "unit": unit,
            "kinds": MovementKind.choices,
            "kind": kind,
            **paginate_request(request, qs),
        },
    )


@login_required
@require_POST
@friendly_errors
def upload(request: AuthedRequest, slug: str) -> HttpResponse:
    """CSV upload of counted levels, all or nothing, every bad row reported."""
    unit = _unit_or_404(slug)
    ensure_can(request.user, "blood.record", unit)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            result = services.stock_import_csv(
                actor=request.user, unit=unit, data=form.cleaned_data["file"].read(), now=now()
            )
        except ValidationFailed as exc:
            for field, msgs in sorted(exc.fields.items()):
                label = field.replace("rows.", _("row") + " ")
                for msg in msgs:
                    form.add_error(
                        "file" if field == "file" else None,
                        f"{label}: {msg}" if field.startswith("rows") else msg,
                    )
        else:
            messages.success(
                request,
                _("File applied: %(n)d adjustments recorded.") % {"n": result.adjustments},
            )
            emergency = getattr(result, "emergency", None)
            if emergency:
                messages.info(
                    request,
                    _("Emergency Rh+ stock noted in SIMDONDAR (included in the counts): %(e)s.")
                    % {"e": ", ".join(f"{c} {n}" for c, n in sorted(emergency.items()))},
                )
            return redirect("blood:unit", slug=unit.slug)
    return render(
        request, "blood/unit.html", _unit_context(request, unit, upload_form=form), status=422
    )


@login_required
@require_POST
@friendly_errors
def donor_call(request: AuthedRequest, slug: str) -> HttpResponse:
    """Publish a donor call on the unit's public page."""
    unit = _unit_or_404(slug)
    ensure_can(request.user, "blood.record", unit)
    form = DonorCallForm(request.POST)
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.donor_call_create(
                actor=request.user,
                unit=unit,
                abo=d["abo"],
                rh=d["rh"] or "",
                product=d["product"],
                place=d["place"],
                starts_at=d["starts_at"],
                ends_at=d["ends_at"],
                message=d["message"],
                now=now(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Donor call published."))
            return redirect("blood:unit", slug=unit.slug)
    return render(
        request, "blood/unit.html", _unit_context(request, unit, call_form=form), status=422
    )


# --- hospital requests and dropping -----------------------------------------------------


@login_required
def requests(request: AuthedRequest) -> HttpResponse:
    """Blood requests the user may see; dropping requests of the user's units."""
    qs = requests_for(request.user)
    status = request.GET.get("status", "")
    if status:
        qs = qs.filter(status=status[:12])
    return render(
        request,
        "blood/requests.html",
        {
            "droppings": droppings_for(request.user)[:20],
            "can_request": bool(hospitals_of(request.user)),
            **paginate_request(request, qs),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def request_new(request: AuthedRequest) -> HttpResponse:
    """A hospital asks a unit for blood."""
    hospitals = hospitals_of(request.user)
    if not hospitals:
        raise Forbidden()
    form = RequestForm(request.POST or None, hospitals=hospitals, units=blood_units())
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            req = services.request_create(
                actor=request.user,
                hospital=d["hospital"],
                unit=d["unit"],
                product=d["product"],
                abo=d["abo"],
                rh=d["rh"],
                quantity=d["quantity"],
                urgency=d["urgency"],
                needed_by=d["needed_by"],
                case_number=d["case_number"],
                note=d["note"],
                now=now(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Request sent to %(u)s.") % {"u": req.unit})
            return redirect("blood:request", pk=req.pk)
    status = 422 if request.method == "POST" else 200
    return render(request, "blood/request_form.html", {"form": form}, status=status)


def _request_context(request: AuthedRequest, req: BloodRequest, **extra: Any) -> dict[str, Any]:
    handler = can(request.user, "blood.handle_request", req)
    context: dict[str, Any] = {"req": req, "can_handle": handler}
    if handler and req.status in ("submitted", "accepted", "partial"):
        cells = services.request_substitutes(req)
        context["cells"] = cells
        context["allocate_form"] = extra.pop("allocate_form", None) or AllocateForm(
            cells=[c for c in cells if c[2] > 0] or cells,
            initial={"quantity": min(req.outstanding, max([c[2] for c in cells] + [1]))},
        )
        context["decline_form"] = extra.pop("decline_form", None) or ReasonForm()
        neighbours = neighbours_with_stock(
            req.unit,
            product=req.product,
            cells=[(a, r) for a, r, _q in cells],
            # What the unit cannot cover itself decides which neighbour can help.
            needed=max(req.outstanding - sum(q for _a, _r, q in cells), 1),
        )
        context["neighbours"] = neighbours
        context["dropping_form"] = extra.pop("dropping_form", None) or DroppingForm(
            units=blood_units().exclude(pk=req.unit.pk),
            cells=[(a, r) for a, r, _q in cells],
            initial={
                "quantity": req.outstanding,
                "to_unit": neighbours[0].unit.slug if neighbours else None,
                "cell": f"{neighbours[0].cells[0][0]}:{neighbours[0].cells[0][1]}"
                if neighbours
                else None,
            },
        )
    context["allocations"] = req.allocations.all()
    context["request_droppings"] = req.droppings.select_related("to_unit")
    context.update(extra)
    return context


@login_required
@friendly_errors
def request_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One request with each step; for the unit, substitutes and neighbours to ask."""
    req = get_visible_or_404(request.user, BloodRequest, pk=pk)
    return render(request, "blood/request_detail.html", _request_context(request, req))


def _request_action(
    request: AuthedRequest,
    pk: int,
    apply: Callable[[BloodRequest, Any, dt.datetime], None],
    make_form: Callable[[BloodRequest], tuple[Any, str]] | None = None,
) -> HttpResponse:
    """Run one action of the PMI unit on a hospital request: ``make_form`` builds the
    action's form (and the context key it is shown under), ``apply`` calls the action's
    service once the form is valid. Errors go back to the request page."""
    req = get_visible_or_404(request.user, BloodRequest, pk=pk)
    ensure_can(request.user, "blood.handle_request", req)
    moment = now()
    form: Any = None
    key = ""
    try:
        if make_form is not None:
            form, key = make_form(req)
        if form is None or form.is_valid():
            apply(req, form, moment)
    except ValidationFailed as exc:
        if form is None:
            messages.error(request, exc.message)
        else:
            apply_errors(form, exc)
    except Conflict as exc:
        messages.error(request, exc.message)
        return redirect("blood:request", pk=req.pk)
    if form is not None and form.errors:
        req.refresh_from_db()
        return render(
            request,
            "blood/request_detail.html",
            _request_context(request, req, **{key: form}),
            status=422,
        )
    return redirect("blood:request", pk=req.pk)


@login_required
@require_POST
@friendly_errors
def request_accept(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit accepts a hospital's request."""

    def apply(req: BloodRequest, form: Any, moment: dt.datetime) -> None:
        services.request_accept(actor=request.user, request=req, now=moment)
        messages.success(request, _("Request accepted."))

    return _request_action(request, pk, apply)


@login_required
@require_POST
@friendly_errors
def request_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit declines a hospital's request with a reason."""

    def apply(req: BloodRequest, form: Any, moment: dt.datetime) -> None:
        services.request_decline(
            actor=request.user, request=req, reason=form.cleaned_data["reason"], now=moment
        )
        messages.success(request, _("Request declined."))

    return _request_action(
        request, pk, apply, lambda req: (ReasonForm(request.POST), "decline_form")
    )


@login_required
@require_POST
@friendly_errors
def request_allocate(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit allocates and issues bags of one group to a hospital's request."""

    def make_form(req: BloodRequest) -> tuple[Any, str]:
        cells = services.request_substitutes(req)
        return AllocateForm(request.POST, cells=cells), "allocate_form"

    def apply(req: BloodRequest, form: Any, moment: dt.datetime) -> None:
        abo, rh = split_cell(form.cleaned_data["cell"])
        services.request_allocate(
            actor=request.user,
            request=req,
            lines=[(abo, rh, form.cleaned_data["quantity"])],
            now=moment,
        )
        messages.success(request, _("Bags allocated and issued."))

    return _request_action(request, pk, apply, make_form)


@login_required
@require_POST
@friendly_errors
def request_dropping(request: AuthedRequest, pk: int) -> HttpResponse:
    """The unit asks a neighbouring unit for dropping to serve a hospital's request."""

    def make_form(req: BloodRequest) -> tuple[Any, str]:
        pairs = [(a, r) for a, r, _q in services.request_substitutes(req)]
        units = blood_units().exclude(pk=req.unit_id)
        return DroppingForm(request.POST, units=units, cells=pairs), "dropping_form"

    def apply(req: BloodRequest, form: Any, moment: dt.datetime) -> None:
        abo, rh = split_cell(form.cleaned_data["cell"])
        services.dropping_create(
            actor=request.user,
            from_unit=req.unit,
            to_unit=form.cleaned_data["to_unit"],
            product=req.product,
            abo=abo,
            rh=rh,
            quantity=form.cleaned_data["quantity"],
            request=req,
            now=moment,
        )
        messages.success(request, _("Dropping requested."))

    return _request_action(request, pk, apply, make_form)


def _dropping_action(
    request: AuthedRequest, pk: int, apply: Callable[[Dropping], None]
) -> HttpResponse:
    """Run one answer of the asked unit to a dropping request, then go back to the page
    the form was on."""
    dropping = get_visible_or_404(request.user, Dropping, pk=pk)
    ensure_can(request.user, "blood.handle_dropping", dropping)
    try:
        apply(dropping)
    except (ValidationFailed, Conflict) as exc:
        detail = "; ".join(m for msgs in getattr(exc, "fields", {}).values() for m in msgs)
        messages.error(request, detail or exc.message)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("blood:requests")
    return redirect(target or reverse("blood:requests"))


@login_required
@require_POST
@friendly_errors
def dropping_fulfil(request: AuthedRequest, pk: int) -> HttpResponse:
    """The asked unit sends the bags."""

    def apply(dropping: Dropping) -> None:
        services.dropping_fulfil(actor=request.user, dropping=dropping, now=now())
        messages.success(request, _("Dropping sent; both ledgers updated."))

    return _dropping_action(request, pk, apply)


@login_required
@require_POST
@friendly_errors
def dropping_decline(request: AuthedRequest, pk: int) -> HttpResponse:
    """The asked unit declines, with a reason."""

    def apply(dropping: Dropping) -> None:
        services.dropping_decline(
            actor=request.user,
            dropping=dropping,
            reason=request.POST.get("reason", "")[:300],
            now=now(),
        )
        messages.success(request, _("Dropping declined."))

    return _dropping_action(request, pk, apply)


@login_required
@friendly_errors
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The health office's view: fill rate, time to fulfil, wastage, days of supply."""
    ensure_can(request.user, "blood.dashboard", None)
    moment = now()
    figures = dashboard_figures(request.user, now=moment)
    days = 60 if request.GET.get("hari") == "60" else 30
    series = supply_series([row["unit"] for row in figures["units"]], now=moment, days=days)
    charts = [
        {
            "unit": row["unit"],
            "chart": _supply_chart(
                row["groups"], critical=row["critical_days"], safe=row["safe_days"]
            ),
        }
        for row in series["units"]
    ]
    region = _supply_chart({"all": series["region"]}, critical=None, safe=None)
    return render(
        request,
        "blood/dashboard.html",
        {
            "f": figures,
            "supply_days": days,
            "supply_first": series["days"][0],
            "supply_last": series["days"][-1],
            "supply_charts": charts,
            "region_chart": region,
        },
    )


SUPPLY_CAP = 20.0  # days of supply drawn at most (more is plenty; "no use" is drawn here)


def _supply_chart(
    groups: dict[str, list[float | None]], *, critical: float | None, safe: float | None
) -> dict[str, Any]:
    """Polylines of days of supply per group in a 600×200 box (server-side SVG); a day
    without use (no rate) is drawn at the cap."""
    width, height, pad = 600, 200, 30
    n = max(max((len(v) for v in groups.values()), default=1) - 1, 1)

    def y(value: float | None) -> float:
        shown = SUPPLY_CAP if value is None else min(value, SUPPLY_CAP)
        return height - pad - shown * (height - 2 * pad) / SUPPLY_CAP

    lines = []
    for g, values in groups.items():
        points = " ".join(
            f"{pad + i * (width - 2 * pad) / n:.1f},{y(v):.1f}" for i, v in enumerate(values)
        )
        lines.append(
            {
                "group": g if g != "all" else _("All groups"),
                "points": points,
                "colour": CHART_COLOURS.get(g, "#333"),
                "last": values[-1] if values else None,
            }
        )
    return {
        "lines": lines,
        "width": width,
        "height": height,
        "pad": pad,
        "top": int(SUPPLY_CAP),
        "critical_y": f"{y(critical):.1f}" if critical is not None else None,
        "safe_y": f"{y(safe):.1f}" if safe is not None else None,
    }


def _donor_call_action(
    request: AuthedRequest, pk: int, apply: Callable[[DonorCall], None]
) -> HttpResponse:
    """Run one step of a donor call for the unit's staff, then go back to the unit page."""
    call = DonorCall.objects.select_related("unit", "product").filter(pk=pk).first()
    if call is None:
        raise Http404(_("Not found."))
    ensure_can(request.user, "blood.record", call.unit)
    try:
        apply(call)
    except (ValidationFailed, Conflict) as exc:
        detail = "; ".join(m for msgs in getattr(exc, "fields", {}).values() for m in msgs)
        messages.error(request, detail or exc.message)
    return redirect("blood:unit", slug=call.unit.slug)


@login_required
@require_POST
@friendly_errors
def donor_call_publish(request: AuthedRequest, pk: int) -> HttpResponse:
    """Publish a prepared donor call."""

    def apply(call: DonorCall) -> None:
        services.donor_call_publish(actor=request.user, call=call, now=now())
        messages.success(request, _("Donor call published."))

    return _donor_call_action(request, pk, apply)


@login_required
@require_POST
@friendly_errors
def donor_call_close(request: AuthedRequest, pk: int) -> HttpResponse:
    """Close a donor call."""

    def apply(call: DonorCall) -> None:
        services.donor_call_close(actor=request.user, call=call, now=now())
        messages.success(request, _("Donor call closed."))

    return _donor_call_action(request, pk, apply)
