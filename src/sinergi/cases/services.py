"""Every write of the cases app: service standards and their versions, filing, the fan-out
to agencies through coordination requests, the citizen's answers, issuing and ratings."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.coordination import attachments, sla
from sinergi.coordination.calendars import calendar_for, calendar_for_region, region_tz
from sinergi.coordination.choices import RequestStatus
from sinergi.coordination.models import Request
from sinergi.coordination.services import (
    REQUEST_ACTIONS,
    request_acknowledge,
    request_close,
    request_forward,
    request_respond,
    request_submit,
)
from sinergi.core import uploads
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import SYSTEM, ensure_can
from sinergi.regions.models import Region

from . import identity, skm
from .choices import (
    OPEN_CASE_STATUSES,
    SKM_ELEMENTS,
    CaseStatus,
    Channel,
    DocumentSource,
    NotifyBy,
    RequirementKind,
    StepStatus,
)
from .models import Case, CaseDocument, CaseStep, Rating, Service, ServiceVersion
from .notify import case_notify

#: Citizens' documents: PDF or a photo, judged by content.
DOCUMENT_TYPES = frozenset({"pdf", "png", "jpg"})
RESERVED_SLUGS = frozenset({"lacak", "kasus", "standar", "tanda-terima", "baru"})
FIELD_MAX = 500


def max_upload_bytes() -> int:
    """Largest document a citizen may upload (:mod:`sinergi.core.uploads`, default 5 MB)."""
    return uploads.max_bytes(uploads.CASE_DOCUMENT)


def storage_dir() -> Path:
    """Where case documents live: under the data directory, never under static files."""
    return Path(settings.DATA_DIR) / "cases"


def code_prefix() -> str:
    """The three letters that start tracking codes (``SINERGI_CASES_CODE_PREFIX``)."""
    return str(getattr(settings, "CASES_CODE_PREFIX", "SGU"))[:3].upper()


def _aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("services need an aware datetime")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


# --- service standards -----------------------------------------------------------------


@dataclass
class Standard:
    """The content of one version of a service standard, as a form or the CLI gives it."""

    name: str
    description: str
    requirements: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    verify_days: int
    issue_days: int
    fee: str
    product: str
    complaint_channel: str
    legal_basis: str
    retention_days: int = 365


def total_days(standard: Standard) -> int:
    """The time limit of the whole service: verification, each group of steps at the pace
    of its slowest step, and issuing."""
    groups: dict[int, int] = {}
    for step in standard.steps:
        groups[int(step["group"])] = max(groups.get(int(step["group"]), 0), int(step["days"]))
    return standard.verify_days + sum(groups.values()) + standard.issue_days


def _check_standard(standard: Standard, front: Agency) -> None:
    errors: dict[str, list[str]] = {}
    for name in ("name", "fee", "product", "complaint_channel", "legal_basis"):
        if not str(getattr(standard, name) or "").strip():
            errors[name] = [_("This field is required.")]
    codes: set[str] = set()
    for req in standard.requirements:
        code = str(req.get("code", ""))
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", code) or code in codes:
            errors.setdefault("requirements", []).append(
                _("Requirement code %(code)s must be unique, lower case letters, digits, _.")
                % {"code": code or "?"}
            )
        if req.get("kind") not in RequirementKind.values or not str(req.get("label", "")).strip():
            errors.setdefault("requirements", []).append(
                _("Requirement %(code)s needs a label and a kind (document or field).")
                % {"code": code or "?"}
            )
        codes.add(code)
    if not standard.steps:
        errors["steps"] = [_("A service needs at least one agency step.")]
    doc_codes = {r["code"] for r in standard.requirements if r.get("kind") == "document"}
    for step in standard.steps:
        slug = str(step.get("agency", ""))
        agency = Agency.objects.filter(slug=slug, is_active=True).first()
        if agency is None:
            errors.setdefault("steps", []).append(_("Unknown agency %(slug)s.") % {"slug": slug})
        elif agency.pk == front.pk:
            errors.setdefault("steps", []).append(
                _("The front-door agency verifies and issues; its steps go to other agencies.")
            )
        days = step.get("days")
        if not isinstance(days, int) or not 1 <= days <= 365:
            errors.setdefault("steps", []).append(_("Each step needs 1 to 365 working days."))
        if not isinstance(step.get("group"), int) or step["group"] < 1:
            errors.setdefault("steps", []).append(_("Each step needs a group number from 1."))
        if not str(step.get("title", "")).strip():
            errors.setdefault("steps", []).append(_("Each step needs a title."))
        unknown = [c for c in step.get("documents", []) if c not in doc_codes]
        if unknown:
            errors.setdefault("steps", []).append(
                _("Unknown document codes: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
    if not 0 < standard.verify_days <= 30 or not 0 < standard.issue_days <= 30:
        errors.setdefault("verify_days", []).append(_("Between 1 and 30 working days."))
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def service_save(
    *,
    actor: Any,
    standard: Standard,
    now: dt.datetime,
    service: Service | None = None,
    slug: str = "",
    front_agency: Agency | str | None = None,
) -> Service:
    """Publish a service standard: a new service (slug and front-door agency) or a new
    version of an existing one. Earlier versions stay as they were for the cases filed
    under them."""
    _aware(now)
    if service is None:
        front = (
            front_agency
            if isinstance(front_agency, Agency)
            else Agency.objects.filter(slug=str(front_agency or "")).first()
        )
        if front is None:
            raise ValidationFailed(fields={"front_agency": [_("Unknown agency.")]})
        ensure_can(actor, "service.create", front)
        if not re.fullmatch(r"[a-z0-9][a-z0-9-]{1,79}", slug) or slug in RESERVED_SLUGS:
            raise ValidationFailed(
                fields={"slug": [_("Lower case letters, digits and hyphens; not a reserved word.")]}
            )
        if Service.objects.filter(slug=slug).exists():
            raise ValidationFailed(fields={"slug": [_("This slug is already in use.")]})
        _check_standard(standard, front)
        service = Service.objects.create(
            slug=slug, front_agency=front, created_at=now, updated_at=now
        )
        number = 1
        action = "service.create"
    else:
        service = Service.objects.select_for_update().get(pk=service.pk)
        ensure_can(actor, "service.change", service)
        _check_standard(standard, service.front_agency)
        number = (service.current.number if service.current else 0) + 1
        action = "service.version"
    version = ServiceVersion.objects.create(
        service=service,
        number=number,
        name=standard.name.strip()[:200],
        description=standard.description.strip(),
        requirements=standard.requirements,
        steps=standard.steps,
        verify_days=standard.verify_days,
        issue_days=standard.issue_days,
        total_days=total_days(standard),
        fee=standard.fee.strip()[:200],
        product=standard.product.strip()[:200],
        complaint_channel=standard.complaint_channel.strip()[:300],
        legal_basis=standard.legal_basis.strip(),
        retention_days=standard.retention_days,
        created_at=now,
        created_by=_user(actor),
    )
    service.current = version
    service.updated_at = now
    service.save(update_fields=["current", "updated_at"])
    audit_record(actor=actor, action=action, obj=version, now=now)
    return service


@transaction.atomic
def service_set_active(*, actor: Any, service: Service, active: bool, now: dt.datetime) -> Service:
    """Open or close a service for new applications."""
    ensure_can(actor, "service.change", service)
    before = snapshot(service)
    service.is_active = active
    service.updated_at = now
    service.save(update_fields=["is_active", "updated_at"])
    audit_record(actor=actor, action="service.activate", obj=service, before=before, now=now)
    return service


# --- filing ----------------------------------------------------------------------------


@dataclass
class Upload:
    """A file a citizen sends for one document requirement."""

    requirement: str
    name: str
    data: bytes


def _district_exists(code: str) -> bool:
    return Region.objects.filter(code=code, level="district").exists()


def check_upload(upload: Upload, field: str) -> tuple[str, list[str]]:
    """The detected type of an upload and what is wrong with it (size, type)."""
    errors = []
    if not upload.data:
        errors.append(_("The file is empty."))
    elif len(upload.data) > max_upload_bytes():
        errors.append(uploads.too_large_message(uploads.CASE_DOCUMENT))
    ext = attachments.sniff(upload.data[:4096] if upload.data else b"", upload.name) or ""
    if upload.data and ext not in DOCUMENT_TYPES:
        errors.append(_("Only PDF, PNG or JPEG files are accepted."))
    return ext, errors


def _store(case: Case, upload: Upload, ext: str, label: str, source: str, now: dt.datetime) -> Any:
    folder = storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    stored = uuid.uuid4().hex
    tmp = folder / f".{stored}.part"
    tmp.write_bytes(upload.data)
    os.replace(tmp, folder / stored)
    return CaseDocument.objects.create(
        case=case,
        requirement=upload.requirement,
        label=label[:200],
        source=source,
        name=attachments.clean_name(upload.name, ext),
        ext=ext,
        size=len(upload.data),
        sha256=hashlib.sha256(upload.data).hexdigest(),
        stored_name=stored,
        uploaded_at=now,
    )


def _forget_files(names: list[str]) -> None:
    for name in names:
        (storage_dir() / name).unlink(missing_ok=True)


def expected_finish(case_or_version: ServiceVersion, front: Agency, start: dt.datetime) -> dt.date:
    """The date a case filed at ``start`` should be finished by its standard."""
    tz = region_tz(front.region)
    cal = calendar_for(front, sla.local_date(start, tz))
    return sla.due_date(cal, start, max(1, case_or_version.total_days), tz)


def validate_applicant(
    *,
    version: ServiceVersion,
    applicant_name: str,
    nik: str,
    phone: str,
    email: str,
    data: dict[str, str],
    uploads: list[Upload],
) -> tuple[dict[str, list[str]], dict[str, str], str]:
    """Every error of an application by field, the cleaned fields and the phone number."""
    errors: dict[str, list[str]] = {}
    if not applicant_name.strip():
        errors["applicant_name"] = [_("This field is required.")]
    elif len(applicant_name) > 150:
        errors["applicant_name"] = [_("At most %(n)d characters.") % {"n": 150}]
    nik_problems = identity.nik_errors(nik, district_exists=_district_exists)
    if nik_problems:
        errors["nik"] = nik_problems
    normalized = identity.normalize_phone(phone)
    if normalized is None:
        errors["phone"] = [
            _("Enter an Indonesian mobile number, e.g. 0812 3456 7890 or +62 812 3456 7890.")
        ]
    if email and ("@" not in email or len(email) > 254):
        errors["email"] = [_("Enter a valid email address.")]
    clean: dict[str, str] = {}
    for req in version.fields():
        value = str(data.get(req["code"], "") or "").strip()
        if req.get("required", True) and not value:
            errors[f"field_{req['code']}"] = [_("This field is required.")]
        elif len(value) > FIELD_MAX:
            errors[f"field_{req['code']}"] = [_("At most %(n)d characters.") % {"n": FIELD_MAX}]
        clean[req["code"]] = value
    given = {u.requirement for u in uploads if u.data}
    for req in version.documents():
        key = f"doc_{req['code']}"
        if req.get("required", True) and req["code"] not in given:
            errors[key] = [_("Upload this document.")]
    for upload in uploads:
        if not upload.data:
            continue
        _ext, problems = check_upload(upload, f"doc_{upload.requirement}")
        if problems:
            errors[f"doc_{upload.requirement}"] = problems
    return errors, clean, normalized or ""


@transaction.atomic
def case_file(
    *,
    actor: Any,
    service: Service,
    applicant_name: str,
    nik: str,
    phone: str,
    now: dt.datetime,
    email: str = "",
    data: dict[str, str] | None = None,
    uploads: list[Upload] | None = None,
    channel: str = Channel.WEB,
    notify_by: str = "",
) -> Case:
    """File an application once: every check first (NIK, phone, fields, each document's size
    and type), then the files are stored and the case waits for verification at the front
    door. Staff of the front-door agency file on a citizen's behalf (channel "counter")."""
    _aware(now)
    uploads = uploads or []
    if not service.is_active or service.current is None:
        raise ValidationFailed(fields={"service": [_("This service takes no applications.")]})
    version = service.current
    front = service.front_agency
    if channel == Channel.COUNTER:
        ensure_can(actor, "case.counter", front)
    elif channel not in Channel.values:
        raise ValidationFailed(fields={"channel": [_("Choose one of the allowed values.")]})
    if notify_by not in NotifyBy.values:
        raise ValidationFailed(fields={"notify_by": [_("Choose one of the allowed values.")]})
    known = {r["code"]: r for r in version.documents()}
    uploads = [u for u in uploads if u.requirement in known]
    errors, clean, normalized = validate_applicant(
        version=version,
        applicant_name=applicant_name,
        nik=nik,
        phone=phone,
        email=email,
        data=data or {},
        uploads=uploads,
    )
    if errors:
        raise ValidationFailed(fields=errors)
    local = now.astimezone(region_tz(front.region))
    case = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    code=identity.new_code(code_prefix(), local.year),
                    service=service,
                    version=version,
                    channel=channel,
                    applicant_name=applicant_name.strip(),
                    nik=nik.strip(),
                    phone=normalized,
                    email=email.strip(),
                    notify_by=notify_by,
                    data=clean,
                    filed_at=now,
                    filed_by=_user(actor),
                    due_date=expected_finish(version, front, now),
                    created_at=now,
                    updated_at=now,
                )
            break
        except IntegrityError:  # a code already taken: draw again
            continue
    if case is None:
        raise RuntimeError("could not draw a free tracking code")
    stored: list[str] = []
    try:
        for position, step in enumerate(version.steps, start=1):
            CaseStep.objects.create(
                case=case,
                position=position,
                group=int(step["group"]),
                agency=Agency.objects.get(slug=step["agency"]),
                title=step["title"][:200],
                days=int(step["days"]),
                documents=list(step.get("documents", [])),
            )
        for upload in uploads:
            ext, _problems = check_upload(upload, "")
            doc = _store(
                case, upload, ext, known[upload.requirement]["label"], DocumentSource.FILING, now
            )
            stored.append(doc.stored_name)
        # Personal fields stay out of the audit chain; it records that a case was filed.
        audit_record(
            actor=actor,
            action="case.file",
            obj=case,
            after={
                "code": case.code,
                "service": service.slug,
                "version": version.number,
                "channel": channel,
                "documents": len(stored),
            },
            now=now,
        )
        case_notify("cases.case.filed", case, actor=actor, now=now)
    except Exception:
        _forget_files(stored)
        raise
    return case


# --- the front door and the fan-out ------------------------------------------------------


def _lock_case(pk: int) -> Case:
    """The case locked for a change, with what its rules and audit entries read."""
    return (
        Case.objects.select_for_update(of=("self",))
        .select_related("service__front_agency__region", "version")
        .get(pk=pk)
    )


def _audit_case(actor: Any, action: str, case: Case, now: dt.datetime, **extra: Any) -> None:
    audit_record(
        actor=actor,
        action=action,
        obj=case,
        after={"code": case.code, "status": case.status, **extra},
        now=now,
    )


def _request_body(case: Case, step: CaseStep) -> str:
    # No personal data in the request: it travels in webhooks and emails. The officer
    # opens the case page, where each view of personal data is audited.
    docs = ", ".join(step.documents) or "-"
    return _(
        "Citizen service %(service)s, case %(code)s: %(title)s.\n"
        "Open the case page /layanan/kasus/%(pk)d/ for the applicant's data and the "
        "documents this step needs (%(docs)s).\n"
        "Answer when your part is done; ask for a missing document with a clarification "
        "(the clock pauses); forward it if it is not your competence."
    ) % {
        "service": case.version.name,
        "code": case.code,
        "title": step.title,
        "pk": case.pk,
        "docs": docs,
    }


def _start_step(case: Case, step: CaseStep, now: dt.datetime) -> None:
    front = case.service.front_agency
    tz = region_tz(step.agency.region)
    cal = calendar_for(step.agency, sla.local_date(now, tz))
    due = sla.due_date(cal, now, step.days, tz)
    request = request_submit(
        actor=SYSTEM,
        from_agency=front,
        to_agency=step.agency,
        kind="approval",
        subject=f"{case.version.name}: {step.title} ({case.code})"[:200],
        body=_request_body(case, step),
        due_date=due,
        now=now,
    )
    step.request = request
    step.status = StepStatus.ACTIVE
    step.started_at = now
    step.due_date = request.due_date
    step.save(update_fields=["request", "status", "started_at", "due_date"])


def _current_group(case: Case) -> list[CaseStep]:
    return _group_of(
        list(case.steps.select_related("agency__region", "request").order_by("position"))
    )


def _group_of(steps: list[CaseStep]) -> list[CaseStep]:
    """The first group of steps not all done (empty when every step is done)."""
    for group in sorted({s.group for s in steps}):
        members = [s for s in steps if s.group == group]
        if any(s.status != StepStatus.DONE for s in members):
            return members
    return []


@transaction.atomic
def case_verify(*, actor: Any, case: Case, now: dt.datetime, note: str = "") -> Case:
    """The front door finds the application complete and passes it on: the first group of
    steps becomes coordination requests to their agencies."""
    _aware(now)
    case = _lock_case(case.pk)
    ensure_can(actor, "case.front", case)
    if case.status != CaseStatus.VERIFICATION:
        raise InvalidTransition(case.status, CaseStatus.IN_PROCESS)
    case.status = CaseStatus.IN_PROCESS
    case.verified_at = now
    case.updated_at = now
    case.save(update_fields=["status", "verified_at", "updated_at"])
    for step in _current_group(case):
        _start_step(case, step, now)
    _audit_case(actor, "case.verify", case, now, note=note[:500])
    case_notify("cases.case.verified", case, actor=actor, now=now)
    return case


@transaction.atomic
def case_reject(*, actor: Any, case: Case, reason: str, now: dt.datetime) -> Case:
    """The front door refuses an application (incomplete, not eligible), with the reason
    the citizen reads; open step requests are closed."""
    _aware(now)
    case = _lock_case(case.pk)
    ensure_can(actor, "case.front", case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Give the reason the applicant will read.")]})
    if case.status not in OPEN_CASE_STATUSES:
        raise InvalidTransition(case.status, CaseStatus.REJECTED)
    _close_open_requests(case, now, _("The application was rejected: %(r)s") % {"r": reason})
    _finish(case, CaseStatus.REJECTED, now, reason=reason[:2000])
    _audit_case(actor, "case.reject", case, now)
    case_notify("cases.case.rejected", case, actor=actor, now=now)
    return case


def _close_open_requests(case: Case, now: dt.datetime, body: str) -> None:
    for step in case.steps.select_related("request").filter(request__isnull=False):
        request = step.request
        if request is None:
            continue
        if request.status not in (
            RequestStatus.CLOSED,
            RequestStatus.ANSWERED,
            RequestStatus.DECLINED,
        ):
            request_close(actor=SYSTEM, request=request, body=body, now=now)


def _finish(case: Case, status: str, now: dt.datetime, *, reason: str = "") -> None:
    front = case.service.front_agency
    tz = region_tz(front.region)
    cal = calendar_for_region(front.region.code, sla.local_date(case.filed_at, tz))
    first = sla.local_date(case.filed_at, tz) + dt.timedelta(days=1)
    last = sla.local_date(now, tz) + dt.timedelta(days=1)
    case.working_days = cal.working_days_between(first, last) if last > first else 0
    case.within_standard = case.working_days <= case.version.total_days
    case.status = status
    case.finished_at = now
    case.reject_reason = reason
    case.updated_at = now
    case.save(
        update_fields=[
            "working_days",
            "within_standard",
            "status",
            "finished_at",
            "reject_reason",
            "updated_at",
        ]
    )


def _last_body(request: Request, kind: str) -> str:
    event = request.events.filter(kind=kind).order_by("-at", "-pk").first()
    return event.body if event is not None else ""


@transaction.atomic
def case_sync(*, case: Case, now: dt.datetime) -> bool:
    """Bring a case up to date with its step requests: answered steps are done, paused ones
    wait for the citizen, forwarded ones follow their new agency; when a group is done the
    next one starts, after the last the front door issues. Idempotent; returns whether
    anything changed."""
    _aware(now)
    case = _lock_case(case.pk)
    if case.status not in (CaseStatus.IN_PROCESS, CaseStatus.WAITING_CITIZEN):
        return False
    changed = False
    steps = list(
        case.steps.select_related("agency__region", "request__to_agency").order_by("position")
    )
    for step in steps:
        request = step.request
        if request is None:
            continue
        fields: dict[str, Any] = {}
        if step.agency_id != request.to_agency_id:
            fields["agency_id"] = request.to_agency_id
        if step.due_date != request.due_date and request.is_open:
            fields["due_date"] = request.due_date
        status = request.status
        if status in (RequestStatus.ANSWERED, RequestStatus.CLOSED):
            if step.status != StepStatus.DONE:
                fields.update(
                    status=StepStatus.DONE,
                    done_at=request.answered_at or request.closed_at or now,
                    note=_last_body(request, "answered")[:2000],
                    question="",
                )
        elif status == RequestStatus.DECLINED:
            if step.status != StepStatus.DECLINED:
                fields.update(
                    status=StepStatus.DECLINED,
                    done_at=now,
                    note=request.decline_reason[:2000],
                    question="",
                )
        elif status == RequestStatus.WAITING:
            if step.status != StepStatus.WAITING_CITIZEN:
                fields.update(
                    status=StepStatus.WAITING_CITIZEN,
                    question=_last_body(request, "clarification_asked")[:2000],
                )
        elif step.status != StepStatus.ACTIVE:
            fields.update(status=StepStatus.ACTIVE, question="")
        if fields:
            for key, value in fields.items():
                setattr(step, key, value)
            step.save(
                update_fields=[k.removesuffix("_id") if k == "agency_id" else k for k in fields]
            )
            changed = True
    declined = [s for s in steps if s.status == StepStatus.DECLINED]
    if declined:
        reason = _("%(title)s declined: %(reason)s") % {
            "title": declined[0].title,
            "reason": declined[0].note,
        }
        _close_open_requests(case, now, reason)
        _finish(case, CaseStatus.REJECTED, now, reason=reason[:2000])
        _audit_case(SYSTEM, "case.advance", case, now)
        case_notify("cases.case.rejected", case, actor=SYSTEM, now=now)
        return True
    group = _group_of(steps)
    if group and all(s.status == StepStatus.PENDING for s in group):
        for step in group:
            _start_step(case, step, now)
        changed = True
    if not group:
        case.status = CaseStatus.ISSUING
        case.updated_at = now
        case.save(update_fields=["status", "updated_at"])
        _audit_case(SYSTEM, "case.advance", case, now)
        case_notify("cases.case.ready_to_issue", case, actor=SYSTEM, now=now)
        return True
    waiting = any(s.status == StepStatus.WAITING_CITIZEN for s in steps)
    target = CaseStatus.WAITING_CITIZEN if waiting else CaseStatus.IN_PROCESS
    if case.status != target:
        case.status = target
        case.updated_at = now
        case.save(update_fields=["status", "updated_at"])
        if waiting:
            case_notify("cases.case.waiting_citizen", case, actor=SYSTEM, now=now)
        changed = True
    if changed:
        _audit_case(SYSTEM, "case.advance", case, now)
    return changed


def cases_sync_all(*, now: dt.datetime) -> dict[str, int]:
    """Advance every case in process whose step requests moved (the tick job)."""
    advanced = 0
    for pk in Case.objects.filter(
        status__in=(CaseStatus.IN_PROCESS, CaseStatus.WAITING_CITIZEN)
    ).values_list("pk", flat=True):
        if case_sync(case=Case(pk=pk), now=now):
            advanced += 1
    return {"advanced": advanced}


STEP_ACTIONS = ("answer", "clarify", "forward", "decline")


@transaction.atomic
def step_act(
    *,
    actor: Any,
    step: CaseStep,
    action: str,
    now: dt.datetime,
    body: str = "",
    to_agency: Agency | str | None = None,
) -> CaseStep:
    """An agency acts on its step from the case page: answer (its part is done), clarify
    (ask the citizen for a document; the clock pauses), forward (not our competence) or
    decline. It goes through coordination's request services, then the case advances."""
    _aware(now)
    if action not in STEP_ACTIONS:
        raise ValidationFailed(fields={"action": [_("Choose one of the allowed values.")]})
    step = CaseStep.objects.select_related("case", "agency", "request").get(pk=step.pk)
    ensure_can(actor, "case.step", step)
    request = step.request
    if request is None or step.status not in (StepStatus.ACTIVE, StepStatus.WAITING_CITIZEN):
        raise InvalidTransition(step.status, action)
    if action == "answer" and request.status in (RequestStatus.SUBMITTED, RequestStatus.REOPENED):
        request = request_acknowledge(actor=actor, request=request, now=now)
    if action == "forward":
        request_forward(actor=actor, request=request, body=body, to_agency=to_agency, now=now)
    else:
        REQUEST_ACTIONS[action](actor=actor, request=request, body=body, now=now)
    case_sync(case=step.case, now=now)
    step.refresh_from_db()
    return step


@transaction.atomic
def case_provide_document(
    *, case: Case, upload: Upload, now: dt.datetime, note: str = ""
) -> CaseDocument:
    """The citizen (having shown code and factor) sends the document a step asked for; the
    paused requests resume their clocks."""
    _aware(now)
    case = _lock_case(case.pk)
    if case.status != CaseStatus.WAITING_CITIZEN:
        raise InvalidTransition(case.status, CaseStatus.IN_PROCESS)
    ext, problems = check_upload(upload, "file")
    if problems:
        raise ValidationFailed(fields={"file": problems})
    upload.requirement = upload.requirement or "tambahan"
    doc = _store(case, upload, ext, _("Requested document"), DocumentSource.REQUESTED, now)
    try:
        text = (note or "").strip()[:1000] or _("The applicant sent the requested document.")
        for step in case.steps.select_related("request").filter(status=StepStatus.WAITING_CITIZEN):
            if step.request is None:
                continue
            # The requested document is for the step that asked: it joins what it sees.
            step.documents = [*step.documents, upload.requirement]
            step.save(update_fields=["documents"])
            request_respond(actor=SYSTEM, request=step.request, body=text, now=now)
        audit_record(
            actor=SYSTEM,
            action="case.provide_document",
            obj=case,
            after={"code": case.code, "document": doc.pk, "size": doc.size},
            now=now,
        )
        case_sync(case=case, now=now)
        case_notify("cases.case.document_provided", case, actor=SYSTEM, now=now)
    except Exception:
        _forget_files([doc.stored_name])
        raise
    return doc


@transaction.atomic
def case_issue(
    *, actor: Any, case: Case, now: dt.datetime, upload: Upload | None = None, note: str = ""
) -> Case:
    """The front door issues the product to the citizen (a file they download with code and
    factor), and the case is finished."""
    _aware(now)
    case = _lock_case(case.pk)
    ensure_can(actor, "case.front", case)
    if case.status != CaseStatus.ISSUING:
        raise InvalidTransition(case.status, CaseStatus.FINISHED)
    stored: list[str] = []
    try:
        if upload is not None and upload.data:
            ext, problems = check_upload(upload, "file")
            if problems:
                raise ValidationFailed(fields={"file": problems})
            upload.requirement = "produk"
            doc = _store(case, upload, ext, case.version.product, DocumentSource.PRODUCT, now)
            stored.append(doc.stored_name)
        _finish(case, CaseStatus.FINISHED, now)
        _audit_case(actor, "case.issue", case, now, note=note[:500], product=bool(stored))
        case_notify("cases.case.finished", case, actor=actor, now=now)
    except Exception:
        _forget_files(stored)
        raise
    return case


@transaction.atomic
def case_rate(*, case: Case, scores: list[int], now: dt.datetime, comment: str = "") -> Rating:
    """The citizen's SKM answers for a finished case: nine scores 1–4, once."""
    _aware(now)
    case = _lock_case(case.pk)
    if case.status != CaseStatus.FINISHED:
        raise ValidationFailed(fields={"__all__": [_("A case is rated once it is finished.")]})
    if Rating.objects.filter(case=case).exists():
        raise ValidationFailed(fields={"__all__": [_("This case has already been rated.")]})
    if len(scores) != skm.ELEMENTS or any(
        not isinstance(s, int) or not 1 <= s <= 4 for s in scores
    ):
        raise ValidationFailed(
            fields={code: [_("Choose a score from 1 to 4.")] for code, _label in SKM_ELEMENTS}
        )
    rating = Rating.objects.create(
        case=case,
        service=case.service,
        scores=list(scores),
        comment=comment.strip()[:2000],
        created_at=now,
    )
    audit_record(
        actor=SYSTEM,
        action="case.rate",
        obj=rating,
        after={"case": case.code, "scores": list(scores)},
        now=now,
    )
    return rating


def case_view_personal(*, actor: Any, case: Case, now: dt.datetime, what: str) -> None:
    """Record that an officer saw a case's personal data (UU 27/2022): every view, in the
    audit chain, with what was seen (the page, a document)."""
    audit_record(
        actor=actor,
        action="case.view_personal",
        obj=case,
        after={"code": case.code, "what": what[:200]},
        now=now,
        only_changes=False,
    )


@transaction.atomic
def cases_purge(*, now: dt.datetime, actor: Any = SYSTEM) -> dict[str, int]:
    """Delete the files of cases closed longer ago than their service's retention period
    (UU 27/2022), keeping the row that says a document was there; audited per case."""
    _aware(now)
    purged = 0
    for case in Case.objects.filter(
        status__in=(CaseStatus.FINISHED, CaseStatus.REJECTED), purged_at__isnull=True
    ).select_related("version", "service__front_agency__region"):
        if case.finished_at is None:
            continue
        if case.finished_at + dt.timedelta(days=case.version.retention_days) > now:
            continue
        docs = list(case.documents.filter(purged_at__isnull=True))
        # The files go once the rows say so: a rolled-back purge keeps both.
        names = [d.stored_name for d in docs]
        transaction.on_commit(lambda names=names: _forget_files(names))  # type: ignore[misc]
        case.documents.filter(purged_at__isnull=True).update(purged_at=now)
        case.purged_at = now
        case.save(update_fields=["purged_at"])
        audit_record(
            actor=actor,
            action="case.purge",
            obj=case,
            after={"code": case.code, "documents": len(docs)},
            now=now,
        )
        purged += 1
    return {"purged": purged}
