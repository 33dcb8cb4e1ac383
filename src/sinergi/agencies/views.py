"""Views of the agencies app: directory, agency page, create, edit, members."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, Forbidden, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.paging import paginate_bounded
from sinergi.core.permissions import can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors

from . import picker, services
from .forms import AgencyForm, DirectoryFilterForm, MembershipForm
from .models import Agency, Membership
from .selectors import agencies_search, agency_members


@login_required
@vary_on_headers("HX-Request", "HX-Target")
def directory(request: AuthedRequest) -> HttpResponse:
    """Searchable, filterable directory; htmx swaps in the results only."""
    form = DirectoryFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = agencies_search(
        user=request.user,
        q=data.get("q", ""),
        kind=data.get("kind", ""),
        sector=data.get("sector", ""),
        affair=data.get("affair", ""),
    )
    context = {"form": form, **paginate_bounded(request, qs, per_page=30)}
    if getattr(request, "htmx", False) and request.htmx.target == "results":  # type: ignore[attr-defined]
        return render(request, "agencies/_results.html", context)
    # Top-level agencies are registered by platform admins; heads add sub-agencies from
    # their agency's page.
    context["can_create"] = can(request.user, "agency.create", None)
    return render(request, "agencies/directory.html", context)


@login_required
@friendly_errors
def detail(request: AuthedRequest, slug: str) -> HttpResponse:
    """An agency's page: mandate, affairs, people, sub-agencies."""
    agency = get_visible_or_404(request.user, Agency, slug=slug)
    context = {
        "agency": agency,
        "members": agency_members(user=request.user, agency=agency),
        "children": agencies_search(user=request.user, parent=agency.slug),
        "can_change": can(request.user, "agency.change", agency),
        "can_manage_members": can(request.user, "membership.manage", agency),
        "can_deactivate": can(request.user, "agency.deactivate", agency),
        "can_create_child": can(request.user, "agency.create", agency),
        "member_form": MembershipForm(),
    }
    return render(request, "agencies/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def create(request: AuthedRequest) -> HttpResponse:
    """Register an agency under a parent (given by ?parent=slug)."""
    parent_slug = request.GET.get("parent") or request.POST.get("parent") or ""
    parent = get_visible_or_404(request.user, Agency, slug=parent_slug) if parent_slug else None
    if not can(request.user, "agency.create", parent):
        raise Forbidden()
    initial = {"region": parent.region.code if parent else "", "kind": "opd"}
    form = AgencyForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.agency_create(
                actor=request.user, parent=parent_slug or None, now=now(), **form.cleaned_data
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The agency was registered."))
            return redirect("agencies:detail", slug=agency.slug)
    return render(
        request,
        "agencies/form.html",
        {"form": form, "parent": parent, "editing": False},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def edit(request: AuthedRequest, slug: str) -> HttpResponse:
    """Edit an agency's profile."""
    agency = get_visible_or_404(request.user, Agency, slug=slug)
    if not can(request.user, "agency.change", agency):
        raise Forbidden()
    initial = {
        "slug": agency.slug,
        "name": agency.name,
        "short_name": agency.short_name,
        "kind": agency.kind,
        "region": agency.region.code,
        "mandate": agency.mandate,
        "head_title": agency.head_title,
        "address": agency.address,
        "phone": agency.phone,
        "email": agency.email,
        "website": agency.website,
        "sectors": [s.slug for s in agency.sectors.all()],
        "affairs": [a.code for a in agency.affairs.all()],
    }
    form = AgencyForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("slug", None)
        try:
            services.agency_update(actor=request.user, agency=agency, now=now(), **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The agency was saved."))
            return redirect("agencies:detail", slug=agency.slug)
    return render(
        request,
        "agencies/form.html",
        {"form": form, "agency": agency, "editing": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@friendly_errors
def set_active(request: AuthedRequest, slug: str, active: bool) -> HttpResponse:
    """Deactivate or reactivate an agency."""
    agency = get_visible_or_404(request.user, Agency, slug=slug)
    try:
        services.agency_set_active(actor=request.user, agency=agency, active=active, now=now())
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The agency was activated.") if active else _("The agency was deactivated.")
        )
    return redirect("agencies:detail", slug=agency.slug)


@login_required
@require_POST
@friendly_errors
def member_add(request: AuthedRequest, slug: str) -> HttpResponse:
    """Add a person to the agency."""
    agency = get_visible_or_404(request.user, Agency, slug=slug)
    form = MembershipForm(request.POST)
    if form.is_valid():
        try:
            services.membership_add(
                actor=request.user,
                agency=agency,
                user=services.user_by_username(form.cleaned_data["username"]),
                role=form.cleaned_data["role"],
                position_title=form.cleaned_data["position_title"],
                now=now(),
            )
        except (ValidationFailed, Conflict) as exc:
            details = "; ".join(m for msgs in getattr(exc, "fields", {}).values() for m in msgs)
            messages.error(request, details or exc.message)
        else:
            messages.success(request, _("The member was added."))
    else:
        messages.error(
            request,
            "; ".join(
                f"{form.fields[f].label}: {e}"
                for f, errs in form.errors.items()
                if f in form.fields
                for e in errs
            ),
        )
    return redirect("agencies:detail", slug=agency.slug)


@login_required
@require_POST
@friendly_errors
def member_remove(request: AuthedRequest, slug: str, membership_id: int) -> HttpResponse:
    """Take a person out of the agency."""
    agency = get_visible_or_404(request.user, Agency, slug=slug)
    membership = get_visible_or_404(request.user, Membership, pk=membership_id, agency=agency)
    try:
        services.membership_remove(actor=request.user, membership=membership, now=now())
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The member was removed."))
    return redirect("agencies:detail", slug=agency.slug)


@login_required
@require_GET
def pick(request: AuthedRequest) -> HttpResponse:
    """Agencies matching the typed words, as radio buttons of an agency picker (htmx)."""
    field = request.GET.get("field", "")
    if not picker.FIELD_RE.match(field):
        return HttpResponse(status=400)
    q = request.GET.get("q", "")[:100]
    value = request.GET.get(field, "")[:100]
    found, more = picker.search(user=request.user, q=q) if q.strip() else ([], False)
    if value and all(a.slug != value for a in found):
        found = [*Agency.objects.filter(slug=value, is_active=True)[:1], *found]
    return render(
        request,
        "agencies/_picker_results.html",
        {
            "agencies": found,
            "field": field,
            "value": value,
            "more": more,
            "searched": bool(q.strip()),
        },
    )
