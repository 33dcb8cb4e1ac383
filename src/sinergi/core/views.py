"""Views of the UI shell: home, module places, audit log, health."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from . import clock
from .api import AuditFilters, audit_entries
from .audit_display import audit_rows, keyset_page, object_type_choices
from .exceptions import Forbidden, NotFound
from .forms import DateInput

View = Callable[..., HttpResponse]


class AuthedRequest(HttpRequest):
    """A request of a signed-in user (views behind ``login_required``)."""

    user: Any


def friendly_errors(view: View) -> View:
    """Turn NotFound into a 404 and Forbidden into a 403 page in the user's language."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden:
            return render(
                request,
                "core/error.html",
                {"title": _("Not allowed"), "message": _("You are not allowed to do this.")},
                status=403,
            )

    return wrapper


def paginate_request(
    request: HttpRequest, qs: QuerySet[Any] | list[Any], per_page: int = 50
) -> dict[str, Any]:
    """A page of results and the query string to keep the filters across pages."""
    page = Paginator(qs, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    query = params.urlencode()
    return {"page_obj": page, "querystring_without_page": f"{query}&" if query else ""}


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """The signed-in user's start page."""
    memberships = request.user.memberships.select_related("agency").order_by(
        "-is_primary", "agency__name"
    )
    return render(request, "core/home.html", {"memberships": memberships})


MODULES = {
    "dashboard": (
        gettext_lazy("Dashboard"),
        gettext_lazy("Coordination metrics and the leader dashboard."),
    ),
}


@login_required
def module_pending(request: AuthedRequest, module: str) -> HttpResponse:
    """The place of a module that a later release fills."""
    title, description = MODULES[module]
    return render(
        request, "core/pending.html", {"module_title": title, "module_description": description}
    )


class AuditFilterForm(forms.Form):
    """Filters of the audit page."""

    agency = forms.CharField(
        label=gettext_lazy("Agency"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Its short code, e.g. dinkes-sanggau"),
    )
    actor = forms.CharField(label=gettext_lazy("Actor"), required=False, max_length=150)
    object_type = forms.ChoiceField(label=gettext_lazy("Object type"), required=False)
    action = forms.CharField(
        label=gettext_lazy("Action"),
        required=False,
        max_length=100,
        help_text=gettext_lazy("Its code or the start of it, e.g. request."),
    )
    since = forms.DateField(
        label=gettext_lazy("From"),
        required=False,
        widget=DateInput(),
    )
    until = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["object_type"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("All")),
            *object_type_choices(),
        ]


def _seq_param(request: HttpRequest, name: str) -> int | None:
    raw = request.GET.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 19 else None


@login_required
@friendly_errors
def audit(request: AuthedRequest) -> HttpResponse:
    """The audit log for admins and leaders, in words, with filters; pages by sequence
    number so that a page costs the same at entry 100 and at entry 100 million."""
    form = AuditFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    action = data.pop("action", "") or ""
    filters = AuditFilters(**{k: v or None for k, v in data.items()})
    qs = audit_entries(user=request.user, filters=filters)
    if action:
        qs = qs.filter(action__startswith=action)
    page = keyset_page(qs, before=_seq_param(request, "before"), after=_seq_param(request, "after"))
    params = request.GET.copy()
    for key in ("before", "after"):
        params.pop(key, None)
    query = params.urlencode()
    return render(
        request,
        "core/audit.html",
        {
            "form": form,
            "rows": audit_rows(page.entries),
            "page": page,
            "query": f"{query}&" if query else "",
            "first_page": not request.GET.get("before") and not request.GET.get("after"),
        },
    )


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Health for load balancers and monitoring: database, worker heartbeat age, queue
    length and audit head; 503 when the database is down or the worker is silent."""
    from .health import health

    ok, report = health(now=clock.now())
    response = JsonResponse(report, status=200 if ok else 503)
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The icon at the address browsers and crawlers ask for when a page names none."""
    return HttpResponseRedirect(static("sinergi/img/favicon.ico"))


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Not-found page (JSON under /api/)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": _("Not found."), "fields": {}}, status=404
        )
    return render(
        request,
        "core/error.html",
        {
            "title": _("Page not found"),
            "message": _("The page does not exist or you may not see it."),
        },
        status=404,
    )


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Forbidden page (also for a failed CSRF check)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "forbidden", "message": _("You are not allowed to do this."), "fields": {}},
            status=403,
        )
    return render(
        request,
        "core/error.html",
        {
            "title": _("Not allowed"),
            "message": _(
                "You are not allowed to do this. If you submitted a form, reload the page "
                "and try again."
            ),
        },
        status=403,
    )


def error_400(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Bad-request page."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "bad_request",
                "message": _("The request could not be processed."),
                "fields": {},
            },
            status=400,
        )
    return render(
        request,
        "core/error.html",
        {"title": _("Bad request"), "message": _("The request could not be processed.")},
        status=400,
    )


def error_500(request: HttpRequest) -> HttpResponse:
    """Server-error page without template context that could fail again."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {
                "code": "server_error",
                "message": _("Something went wrong on our side."),
                "fields": {},
            },
            status=500,
        )
    return HttpResponse(
        _("Something went wrong on our side. Please try again later."),
        status=500,
        content_type="text/plain; charset=utf-8",
    )
