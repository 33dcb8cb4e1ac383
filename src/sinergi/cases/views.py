"""Views of the cases app: the public service pages, filing, the receipt, tracking, the
officers' case pages and the public statistics."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import user_memberships
from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, SinergiError, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.permissions import Role, can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import complaints, selectors, services, throttle
from .choices import SKM_ELEMENTS, CaseStatus, Channel, DocumentSource, StepStatus
from .forms import (
    ApplicationForm,
    ComplaintForm,
    IssueForm,
    ProvideForm,
    RatingForm,
    ReasonForm,
    ServiceForm,
    StepActionForm,
    TrackForm,
)
from .models import Case, CaseDocument, CaseStep, Complaint, Service

SESSION_TRACKED = "cases_tracked"
SESSION_RECEIPT = "cases_receipt"
NOT_FOUND = gettext_lazy(
    "No application matches this code and these digits. Check both and try again."
)


def _services_listed(user: Any) -> Any:
    return (
        Service.objects.visible_to(user)
        .filter(current__isnull=False)
        .select_related("current", "front_agency")
        .order_by("current__name")
    )


# --- public pages ----------------------------------------------------------------------


@require_GET
def service_list(request: HttpRequest) -> HttpResponse:
    """Every service open for applications, with its time limit and fee."""
    user = request.user
    editable_agencies = (
        [m.agency for m in user_memberships(user) if Role.of(m.role) >= Role.MANAGER]
        if user.is_authenticated
        else []
    )
    return render(
        request,
        "cases/service_list.html",
        {
            "services": _services_listed(user),
            "may_create": bool(editable_agencies) or getattr(user, "is_superuser", False),
        },
    )


@require_GET
@friendly_errors
def service_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """The service standard as published (PermenPANRB 15/2014 components)."""
    service = get_visible_or_404(request.user, Service, slug=slug)
    version = service.current
    if version is None:
        raise Http404
    agencies = {
        a.slug: a for a in Agency.objects.filter(slug__in=[s["agency"] for s in version.steps])
    }
    groups = [[{**s, "agency_obj": agencies.get(s["agency"])} for s in g] for g in version.groups()]
    return render(
        request,
        "cases/service_detail.html",
        {
            "service": service,
            "version": version,
            "groups": groups,
            "may_edit": request.user.is_authenticated
            and can(request.user, "service.change", service),
        },
    )


@require_http_methods(["GET", "POST"])
@friendly_errors
def case_file(request: HttpRequest, slug: str) -> HttpResponse:
    """File an application once: anonymous, signed in, or at the counter by the front-door
    staff on the citizen's behalf."""
    service = get_visible_or_404(request.user, Service, slug=slug)
    if service.current is None or not service.is_active:
        raise Http404
    counter = request.user.is_authenticated and can(
        request.user, "case.counter", service.front_agency
    )
    form = ApplicationForm(request.POST or None, request.FILES or None, version=service.current)
    status = 200
    if request.method == "POST":
        if not throttle.hit(request, "file"):
            form.add_error(None, _("Too many applications from this address. Try again later."))
            status = 429
        elif form.is_valid():
            try:
                case = services.case_file(
                    actor=request.user,
                    service=service,
                    applicant_name=form.cleaned_data["applicant_name"],
                    nik=form.cleaned_data["nik"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data.get("email") or "",
                    notify_by=form.cleaned_data.get("notify_by") or "",
                    data=form.field_data(),
                    uploads=form.uploads(),
                    channel=Channel.COUNTER if counter else Channel.WEB,
                    now=now(),
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
                status = 400
            else:
                request.session[SESSION_RECEIPT] = case.pk
                request.session[SESSION_TRACKED] = case.pk
                return redirect("cases:receipt")
        else:
            status = 400
    return render(
        request,
        "cases/file.html",
        {"service": service, "version": service.current, "form": form, "counter": counter},
        status=status,
    )


def _session_case(request: HttpRequest, key: str) -> Case | None:
    pk = request.session.get(key)
    if not isinstance(pk, int):
        return None
    return Case.objects.select_related("service__front_agency", "version").filter(pk=pk).first()


@require_GET
def receipt(request: HttpRequest) -> HttpResponse:
    """The receipt of the application just filed: code, service, expected finish date."""
    case = _session_case(request, SESSION_RECEIPT)
    if case is None:
        return redirect("cases:list")
    return render(request, "cases/receipt.html", {"case": case})


def _pdf_response(case: Case) -> HttpResponse:
    from .receipt import receipt_pdf

    response = HttpResponse(receipt_pdf(case), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="tanda-terima-{case.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def receipt_download(request: HttpRequest) -> HttpResponse:
    """The receipt as a PDF, for the citizen who just filed or who has shown code and factor."""
    case = _session_case(request, SESSION_RECEIPT) or _tracked(request)
    if case is None:
        return redirect("cases:track")
    return _pdf_response(case)


@require_http_methods(["GET", "POST"])
def track(request: HttpRequest) -> HttpResponse:
    """Enter the tracking code and the last four digits of the phone or NIK."""
    form = TrackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not throttle.hit(request, "track"):
            form.add_error(None, _("Too many attempts from this address. Try again later."))
            status = 429
        elif form.is_valid():
            case = selectors.case_track(
                code=form.cleaned_data["code"], factor=form.cleaned_data["factor"]
            )
            if case is not None:
                request.session[SESSION_TRACKED] = case.pk
                return redirect("cases:track_status")
            form.add_error(None, NOT_FOUND)
            status = 404
        else:
            status = 400
    return render(request, "cases/track.html", {"form": form}, status=status)


def _tracked(request: HttpRequest) -> Case | None:
    return _session_case(request, SESSION_TRACKED)


def track_context(case: Case) -> dict[str, Any]:
    """What the citizen reads about their case: no one else's data, no officer's name."""
    steps = list(case.steps.select_related("agency").order_by("position"))
    product = case.documents.filter(source=DocumentSource.PRODUCT, purged_at__isnull=True).first()
    return {
        "case": case,
        "steps": steps,
        "waiting": [s for s in steps if s.status == StepStatus.WAITING_CITIZEN],
        "product": product,
        "rated": hasattr(case, "rating"),
        "complaints": list(case.complaints.all()),
    }


@require_GET
def track_status(request: HttpRequest) -> HttpResponse:
    """The tracked case: each step in plain words, dates, what is asked of the citizen."""
    case = _tracked(request)
    if case is None:
        return redirect("cases:track")
    context = track_context(case)
    context["provide_form"] = ProvideForm()
    context["rating_form"] = RatingForm()
    context["complaint_form"] = ComplaintForm()
    return render(request, "cases/track_status.html", context)


@require_POST
def track_complain(request: HttpRequest) -> HttpResponse:
    """The citizen complains about their case to the head of the front door."""
    case = _tracked(request)
    if case is None:
        return redirect("cases:track")
    form = ComplaintForm(request.POST)
    if form.is_valid():
        try:
            complaints.complaint_file(
                case=case,
                body=form.cleaned_data["body"],
                lapor_ref=form.cleaned_data["lapor_ref"],
                now=now(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your complaint was sent to the head of the front door."))
            return redirect("cases:track_status")
    context = track_context(case)
    context.update(provide_form=ProvideForm(), rating_form=RatingForm(), complaint_form=form)
    return render(request, "cases/track_status.html", context, status=400)


@require_POST
def track_provide(request: HttpRequest) -> HttpResponse:
    """The citizen sends the document a step asked for; the clock resumes."""
    case = _tracked(request)
    if case is None:
        return redirect("cases:track")
    form = ProvideForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.case_provide_document(
                case=case, upload=form.upload(), note=form.cleaned_data["note"], now=now()
            )
        except (ValidationFailed, Conflict) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you: the document was sent to the agency."))
            return redirect("cases:track_status")
    context = track_context(case)
    context.update(provide_form=form, rating_form=RatingForm(), complaint_form=ComplaintForm())
    return render(request, "cases/track_status.html", context, status=400)


@require_POST
def track_rate(request: HttpRequest) -> HttpResponse:
    """The citizen answers the SKM questionnaire for a finished case."""
    case = _tracked(request)
    if case is None:
        return redirect("cases:track")
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.case_rate(
                case=case, scores=form.scores(), comment=form.cleaned_data["comment"], now=now()
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Thank you for rating the service."))
            return redirect("cases:track_status")
    context = track_context(case)
    context.update(provide_form=ProvideForm(), rating_form=form, complaint_form=ComplaintForm())
    return render(request, "cases/track_status.html", context, status=400)


def _file_response(doc: CaseDocument) -> HttpResponse:
    path = services.storage_dir() / doc.stored_name
    if not path.exists():
        raise Http404
    content_types = {"pdf": "application/pdf", "png": "image/png", "jpg": "image/jpeg"}
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=doc.name,
        content_type=content_types.get(doc.ext, "application/octet-stream"),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response  # type: ignore[return-value]  # streaming; the views are typed HttpResponse


@require_GET
def track_product(request: HttpRequest) -> HttpResponse:
    """The issued product, for the citizen who showed code and factor."""
    case = _tracked(request)
    if case is None:
        return redirect("cases:track")
    doc = case.documents.filter(source=DocumentSource.PRODUCT, purged_at__isnull=True).first()
    if doc is None:
        raise Http404
    return _file_response(doc)


@require_GET
def public_stats(request: HttpRequest) -> HttpResponse:
    """Per service and per agency: filed, finished, median working days, share within the
    standard, SKM index. Aggregates only."""
    per_service, per_agency, overall = selectors.public_figures()
    return render(
        request,
        "cases/public_stats.html",
        {"per_service": per_service, "per_agency": per_agency, "overall": overall},
    )


# --- officers --------------------------------------------------------------------------


@login_required
@require_GET
def case_list(request: AuthedRequest) -> HttpResponse:
    """Cases of my agencies: the whole case at the front door, my steps elsewhere."""
    status = request.GET.get("status", "")
    if status not in CaseStatus.values:
        status = ""
    qs = selectors.cases_for(request.user, status=status, q=request.GET.get("q", ""))
    context = paginate_request(request, qs, per_page=30)
    return render(
        request,
        "cases/case_list.html",
        {
            **context,
            "status": status,
            "statuses": CaseStatus.choices,
            "q": request.GET.get("q", ""),
        },
    )


@login_required
@require_GET
@friendly_errors
def case_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """One case with the applicant's personal data; each view is audited."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    moment = now()
    services.case_view_personal(actor=request.user, case=case, now=moment, what="page")
    front = selectors.is_front_officer(request.user, case)
    steps = selectors.steps_for(request.user, case)
    mine = selectors.officer_agency_ids(request.user)
    for step in steps:
        step.may_act = (  # type: ignore[attr-defined]  # a flag for the template
            (step.agency_id in mine or request.user.is_superuser)
            and step.status in (StepStatus.ACTIVE, StepStatus.WAITING_CITIZEN)
            and can(request.user, "case.step", step)
        )
    fields = (
        [(r["label"], case.data.get(r["code"], "")) for r in case.version.fields()] if front else []
    )
    return render(
        request,
        "cases/case_detail.html",
        {
            "case": case,
            "front": front,
            "may_front": can(request.user, "case.front", case),
            "steps": steps,
            "documents": selectors.documents_for(request.user, case),
            "fields": fields,
            "action_form": StepActionForm(),
            "reason_form": ReasonForm(),
            "issue_form": IssueForm(),
            "rating": getattr(case, "rating", None) if front else None,
            "complaints": list(case.complaints.all()) if front else [],
            "may_answer": can(request.user, "case.complaint", case),
            "skm_elements": SKM_ELEMENTS,
        },
    )


@login_required
@require_GET
@friendly_errors
def case_receipt(request: AuthedRequest, pk: int) -> HttpResponse:
    """The receipt printed at the counter by the front-door officer (it names the applicant,
    so only the front door prints it, and the view is audited like the case page)."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    if not selectors.is_front_officer(request.user, case):
        raise Http404
    services.case_view_personal(actor=request.user, case=case, now=now(), what="receipt")
    return _pdf_response(case)


def _back(pk: int) -> HttpResponse:
    return redirect("cases:case_detail", pk=pk)


def _run(request: HttpRequest, pk: int, call: Any, done: str) -> HttpResponse:
    try:
        call()
    except SinergiError as exc:
        if exc.status in (403, 404):
            raise
        details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
        messages.error(request, details or exc.message)
    else:
        messages.success(request, done)
    return _back(pk)


@login_required
@require_POST
@friendly_errors
def case_verify(request: AuthedRequest, pk: int) -> HttpResponse:
    """The front door passes a complete application on to the agencies."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    return _run(
        request,
        pk,
        lambda: services.case_verify(
            actor=request.user, case=case, now=now(), note=request.POST.get("reason", "")
        ),
        _("The application was passed on to the agencies."),
    )


@login_required
@require_POST
@friendly_errors
def case_reject(request: AuthedRequest, pk: int) -> HttpResponse:
    """The front door rejects an application with a reason the citizen reads."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    return _run(
        request,
        pk,
        lambda: services.case_reject(
            actor=request.user, case=case, reason=request.POST.get("reason", ""), now=now()
        ),
        _("The application was rejected."),
    )


@login_required
@require_POST
@friendly_errors
def case_issue(request: AuthedRequest, pk: int) -> HttpResponse:
    """The front door issues the product and finishes the case."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    form = IssueForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Check the product file."))
        return _back(pk)
    return _run(
        request,
        pk,
        lambda: services.case_issue(
            actor=request.user,
            case=case,
            upload=form.upload(),
            note=form.cleaned_data["note"],
            now=now(),
        ),
        _("The product was issued; the applicant can download it."),
    )


@login_required
@require_POST
@friendly_errors
def step_act(request: AuthedRequest, pk: int, step_pk: int, action: str) -> HttpResponse:
    """An agency answers its step, asks the citizen for a document, forwards or declines."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    step = CaseStep.objects.filter(case=case, pk=step_pk).first()
    if step is None or step not in selectors.steps_for(request.user, case):
        raise Http404
    if action not in services.STEP_ACTIONS:
        raise Http404
    form = StepActionForm(request.POST)
    form.is_valid()
    return _run(
        request,
        pk,
        lambda: services.step_act(
            actor=request.user,
            step=step,
            action=action,
            body=form.cleaned_data.get("body", ""),
            to_agency=form.cleaned_data.get("to_agency") or None,
            now=now(),
        ),
        _("Saved."),
    )


@login_required
@require_GET
@friendly_errors
def document_download(request: AuthedRequest, pk: int, doc_pk: int) -> HttpResponse:
    """A document of a case, for an officer whose step needs it; audited."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    doc = next((d for d in selectors.documents_for(request.user, case) if d.pk == doc_pk), None)
    if doc is None:
        raise Http404
    services.case_view_personal(
        actor=request.user, case=case, now=now(), what=f"document {doc.pk} {doc.requirement}"
    )
    return _file_response(doc)


def _editable_agencies(user: Any) -> Any:
    if user.is_superuser:
        return Agency.objects.filter(is_active=True).order_by("name")
    ids = [m.agency_id for m in user_memberships(user) if Role.of(m.role) >= Role.MANAGER]
    return Agency.objects.filter(pk__in=ids).order_by("name")


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def service_create(request: AuthedRequest) -> HttpResponse:
    """Publish a new service standard with an agency of mine as the front door."""
    agencies = _editable_agencies(request.user)
    if not agencies.exists():
        return render(
            request,
            "core/error.html",
            {"title": _("Not allowed"), "message": _("You are not allowed to do this.")},
            status=403,
        )
    form = ServiceForm(request.POST or None, agencies=agencies, new=True)
    status = 200
    if request.method == "POST":
        standard = form.standard() if form.is_valid() else None
        if standard is not None:
            try:
                service = services.service_save(
                    actor=request.user,
                    standard=standard,
                    now=now(),
                    slug=form.cleaned_data["slug"],
                    front_agency=form.cleaned_data["front_agency"],
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("The service standard was published."))
                return redirect("cases:service_detail", slug=service.slug)
        status = 400
    return render(
        request, "cases/service_form.html", {"form": form, "service": None}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def service_edit(request: AuthedRequest, slug: str) -> HttpResponse:
    """Write a new version of a service standard; cases keep the version they were filed
    under."""
    service = get_visible_or_404(request.user, Service, slug=slug)
    if not can(request.user, "service.change", service):
        return render(
            request,
            "core/error.html",
            {"title": _("Not allowed"), "message": _("You are not allowed to do this.")},
            status=403,
        )
    initial = ServiceForm.initial_from(service.current) if service.current else {}
    form = ServiceForm(request.POST or None, initial=initial, new=False)
    status = 200
    if request.method == "POST":
        standard = form.standard() if form.is_valid() else None
        if standard is not None:
            try:
                services.service_save(
                    actor=request.user, standard=standard, now=now(), service=service
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("A new version of the standard was published."))
                return redirect("cases:service_detail", slug=service.slug)
        status = 400
    versions = service.versions.all()
    return render(
        request,
        "cases/service_form.html",
        {"form": form, "service": service, "versions": versions},
        status=status,
    )


@login_required
@require_POST
@friendly_errors
def complaint_answer(request: AuthedRequest, pk: int, complaint_pk: int) -> HttpResponse:
    """The head of the front door answers a complaint."""
    case = get_visible_or_404(request.user, Case, pk=pk)
    complaint = Complaint.objects.filter(case=case, pk=complaint_pk).first()
    if complaint is None:
        raise Http404
    return _run(
        request,
        pk,
        lambda: complaints.complaint_answer(
            actor=request.user, complaint=complaint, body=request.POST.get("body", ""), now=now()
        ),
        _("The answer was sent to the applicant."),
    )
