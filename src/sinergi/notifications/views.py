"""Views of the notification centre: /notifikasi/ with filters and mark-read, the bell
(polled by htmx), preferences, and the webhooks of the user's agencies."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import user_memberships
from sinergi.core.clock import now
from sinergi.core.exceptions import NotFound, ValidationFailed
from sinergi.core.permissions import can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import services
from .context_processors import unread_count
from .events import CATEGORIES, MODULE_LABELS, delivery_for
from .forms import FilterForm, PreferencesForm
from .models import Notification, Webhook


def _errors(exc: ValidationFailed) -> str:
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
    return details or exc.message


@login_required
@require_GET
def centre(request: AuthedRequest) -> HttpResponse:
    """The user's notifications, newest first, filtered by module and unread."""
    form = FilterForm(request.GET or None)
    rows = Notification.objects.visible_to(request.user)
    module = unread = None
    if form.is_valid():
        module = form.cleaned_data["module"] or None
        unread = form.cleaned_data["unread"]
        if module:
            rows = rows.filter(module=module)
        if unread:
            rows = rows.unread()
    context = paginate_request(request, rows, per_page=30)
    for n in context["page_obj"].object_list:
        n.module_label = MODULE_LABELS.get(n.module, n.module)
    return render(
        request,
        "notifications/centre.html",
        {"form": form, "module": module or "", "unread_only": bool(unread), **context},
    )


def _back(request: AuthedRequest) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return redirect(target)
    return redirect("notifications:centre")


@login_required
@require_POST
@friendly_errors
def read_one(request: AuthedRequest, pk: int) -> HttpResponse:
    """Mark one notification read (another user's answers 404)."""
    services.notification_mark_read(actor=request.user, now=now(), notification_id=pk)
    return _back(request)


@login_required
@require_POST
@friendly_errors
def read_all(request: AuthedRequest) -> HttpResponse:
    """Mark every notification read (of one module, when the filter names one)."""
    module = request.POST.get("module", "")[:20]
    if module and module not in MODULE_LABELS:
        module = ""
    services.notification_mark_read(actor=request.user, now=now(), module=module)
    messages.success(request, _("Notifications marked as read."))
    return _back(request)


@login_required
@require_GET
def bell(request: AuthedRequest) -> HttpResponse:
    """The bell with the unread count (and the urgent alert), swapped in by htmx every
    20 seconds on every page."""
    response = render(
        request, "notifications/_bell.html", {"notification_bell": unread_count(request.user)}
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def preferences(request: AuthedRequest) -> HttpResponse:
    """How each category of notifications reaches the user, the digest and the channels."""
    current = services.email_preferences(request.user)
    initial: dict[str, Any] = {
        f"cat_{key}": delivery_for(current if current.pk else None, key) for key in CATEGORIES
    }
    initial.update(
        daily_digest=current.daily_digest,
        phone=current.phone,
        whatsapp=current.whatsapp,
        sms=current.sms,
    )
    form = PreferencesForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.email_preferences_set(
                    actor=request.user,
                    now=now(),
                    delivery=form.delivery(),
                    daily_digest=data["daily_digest"],
                    phone=data["phone"],
                    whatsapp=data["whatsapp"],
                    sms=data["sms"],
                )
            except ValidationFailed as exc:
                for field, errors in exc.fields.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Your notification preferences were saved."))
                return redirect("notifications:preferences")
        status = 400
    return render(request, "notifications/preferences.html", {"form": form}, status=status)


# --- webhooks ------------------------------------------------------------------------


def _managed_agencies(user: Any) -> list[Agency]:
    """Agencies whose webhooks the user manages."""
    if user.is_superuser:
        return list(Agency.objects.filter(is_active=True).order_by("name"))
    return [
        m.agency
        for m in user_memberships(user)
        if m.agency.is_active and can(user, "webhook.manage", m.agency)
    ]


def _may_manage(user: Any, hook: Webhook) -> bool:
    if hook.channel:
        return can(user, "channel.manage", hook)
    return can(user, "webhook.manage", hook.agency)


def _webhook_page(
    request: AuthedRequest, *, new_secret: str = "", new_hook: Any = None, status: int = 200
) -> HttpResponse:
    hooks = list(
        Webhook.objects.visible_to(request.user)
        .select_related("agency", "agency__region")
        .annotate(
            pending=Count("deliveries", filter=Q(deliveries__status="pending")),
            failed=Count("deliveries", filter=Q(deliveries__status="failed")),
        )
    )
    for h in hooks:
        h.can_manage = _may_manage(request.user, h)
    return render(
        request,
        "notifications/webhooks.html",
        {
            "hooks": hooks,
            "managed": _managed_agencies(request.user),
            "new_secret": new_secret,
            "new_hook": new_hook,
            "url_value": request.POST.get("url", "")[:500] if status != 200 else "",
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def webhooks(request: AuthedRequest) -> HttpResponse:
    """Webhooks of the user's agencies; heads add one here and see its secret once."""
    if request.method == "POST":
        try:
            hook = services.webhook_create(
                actor=request.user,
                agency=request.POST.get("agency", "")[:100],
                url=request.POST.get("url", "")[:1000],
                now=now(),
            )
        except ValidationFailed as exc:
            messages.error(request, _errors(exc))
            return _webhook_page(request, status=400)
        return _webhook_page(request, new_secret=hook.secret, new_hook=hook)
    return _webhook_page(request)


def _hook(request: AuthedRequest, pk: int) -> Webhook:
    return get_visible_or_404(request.user, Webhook, pk=pk)


@login_required
@friendly_errors
def webhook_detail(request: AuthedRequest, pk: int, *, new_secret: str = "") -> HttpResponse:
    """A webhook and its delivery log, newest first."""
    hook = _hook(request, pk)
    context = paginate_request(request, hook.deliveries.all(), per_page=50)
    return render(
        request,
        "notifications/webhook_detail.html",
        {
            "hook": hook,
            "can_manage": _may_manage(request.user, hook),
            "new_secret": new_secret,
            **context,
        },
    )


@login_required
@require_POST
@friendly_errors
def webhook_toggle(request: AuthedRequest, pk: int) -> HttpResponse:
    """Disable or enable a webhook."""
    hook = _hook(request, pk)
    active = request.POST.get("active") == "1"
    services.webhook_set_active(actor=request.user, webhook=hook, active=active, now=now())
    messages.success(
        request, _("The webhook was enabled.") if active else _("The webhook was disabled.")
    )
    return redirect("notifications:webhook_detail", pk=hook.pk)


@login_required
@require_POST
@friendly_errors
def webhook_rotate(request: AuthedRequest, pk: int) -> HttpResponse:
    """Give a webhook a new secret, shown once on the page that answers."""
    hook = services.webhook_rotate_secret(actor=request.user, webhook=_hook(request, pk), now=now())
    return webhook_detail(request, hook.pk, new_secret=hook.secret)


@login_required
@require_POST
@friendly_errors
def webhook_remove(request: AuthedRequest, pk: int) -> HttpResponse:
    """Delete a webhook and its delivery log."""
    services.webhook_delete(actor=request.user, webhook=_hook(request, pk), now=now())
    messages.success(request, _("The webhook was deleted."))
    return redirect("notifications:webhooks")


@login_required
@require_POST
@friendly_errors
def delivery_retry(request: AuthedRequest, pk: int, delivery_id: int) -> HttpResponse:
    """Send an event again at the next tick."""
    hook = _hook(request, pk)
    row = hook.deliveries.filter(pk=delivery_id).first()
    if row is None:
        raise NotFound()
    try:
        services.delivery_retry(actor=request.user, delivery=row, now=now())
    except ValidationFailed as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The event will be sent again within a minute."))
    return redirect("notifications:webhook_detail", pk=hook.pk)
