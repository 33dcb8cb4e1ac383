"""Views of the coordination app: inbox, request list, request page, meetings."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import user_memberships
from sinergi.core import uploads
from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, NotFound, ValidationFailed
from sinergi.core.paging import paginate_bounded
from sinergi.core.permissions import can, ensure_can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request
from sinergi.notifications.models import Notification

from . import ics, services
from .attachments import storage_dir
from .calendars import region_tz
from .choices import OPEN_STATUSES
from .forms import (
    ActionForm,
    ActionItemForm,
    AttendanceForm,
    DecisionForm,
    FilterForm,
    MeetingForm,
    MessageForm,
    MinutesForm,
    RequestForm,
)
from .models import CalendarFeed, Decision, Meeting, Request
from .selectors import (
    Filters,
    annotate_clock,
    feed_due_requests,
    feed_meetings,
    meetings_visible,
    request_timeline,
    requests_search,
    suggest_for,
)
from .selectors import (
    inbox as inbox_selector,
)

ACTION_LABELS = {
    "acknowledge": gettext_lazy("Acknowledge"),
    "start": gettext_lazy("Start work"),
    "answer": gettext_lazy("Answer"),
    "decline": gettext_lazy("Decline"),
    "forward": gettext_lazy("Forward (not our competence)"),
    "extend": gettext_lazy("Extend by 7 working days"),
    "close": gettext_lazy("Close"),
    "reopen": gettext_lazy("Reopen"),
    "clarify": gettext_lazy("Ask the requester for a clarification (pauses the clock)"),
    "respond": gettext_lazy("Give the clarification (resumes the clock)"),
}
NEEDS_TEXT = {"answer", "decline", "forward", "extend", "reopen", "clarify", "respond"}


def _errors(exc: ValidationFailed) -> str:
    details = "; ".join(m for msgs in exc.fields.values() for m in msgs)
    return details or exc.message


@login_required
@friendly_errors
def inbox(request: AuthedRequest) -> HttpResponse:
    """What waits for us and what we wait for, by due date; with unread notifications."""
    at = now()
    agency = None
    slug = request.GET.get("agency", "")[:100]
    if slug:
        agency = get_visible_or_404(request.user, Agency, slug=slug)
    box = inbox_selector(user=request.user, now=at, agency=agency)
    notes = Notification.objects.visible_to(request.user)[:20]
    unread = Notification.objects.visible_to(request.user).unread().count()
    mine = [m.agency for m in user_memberships(request.user)]
    return render(
        request,
        "coordination/inbox.html",
        {**box, "agency": agency, "notes": notes, "unread": unread, "my_agencies": mine},
    )


@login_required
@vary_on_headers("HX-Request", "HX-Target")
def request_list(request: AuthedRequest) -> HttpResponse:
    """Every request the user may see, with filters."""
    at = now()
    form = FilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    qs = requests_search(
        user=request.user,
        filters=Filters(
            box=data.get("box", ""),
            kind=data.get("kind", ""),
            status=data.get("status", ""),
            overdue=bool(data.get("overdue")),
            escalated=bool(data.get("escalated")),
            q=data.get("q", ""),
            program_code=data.get("program_code", ""),
            from_agency=data.get("from_agency", ""),
            to_agency=data.get("to_agency", ""),
            to_region=data.get("to_region", ""),
            submitted_from=data.get("submitted_from"),
            submitted_to=data.get("submitted_to"),
            answered=data.get("answered", ""),
        ),
        now=at,
    )
    context = {"form": form, **paginate_bounded(request, qs, per_page=30)}
    for r in context["page_obj"]:
        annotate_clock(r, at)
    if getattr(request, "htmx", False) and request.htmx.target == "results":  # type: ignore[attr-defined]
        return render(request, "coordination/_request_rows.html", context)
    return render(request, "coordination/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def create(request: AuthedRequest) -> HttpResponse:
    """Write a new request, with the competent agency suggested from its words."""
    form = RequestForm(request.POST or None, user=request.user)
    if not form.fields["from_agency"].choices:  # type: ignore[attr-defined]
        return render(
            request,
            "core/error.html",
            {"title": _("Not allowed"), "message": _("You do not act for any agency.")},
            status=403,
        )
    if request.method == "POST" and form.is_valid():
        try:
            obj = services.request_submit(actor=request.user, now=now(), **form.cleaned_data)
        except ValidationFailed as exc:
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, _("The request was sent."))
            return redirect("coordination:detail", pk=obj.pk)
    return render(
        request, "coordination/form.html", {"form": form}, status=400 if form.errors else 200
    )


@login_required
@require_GET
def suggest(request: AuthedRequest) -> HttpResponse:
    """Suggested competent agencies for the words typed so far (an htmx partial)."""
    text = f"{request.GET.get('subject', '')} {request.GET.get('body', '')}"[:4000]
    exclude = [request.GET.get("from_agency", "")[:100]]
    return render(
        request,
        "coordination/_suggestions.html",
        {"suggestions": suggest_for(text=text, exclude=exclude)},
    )


@login_required
@friendly_errors
def detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A request with its clock, timeline, conversation and the actions the user may take."""
    at = now()
    obj = get_visible_or_404(request.user, Request, pk=pk)
    annotate_clock(obj, at)
    handler = can(request.user, "request.handle", obj)
    requester = can(request.user, "request.requester", obj)
    actions = []
    for action, (allowed, _target) in services.TRANSITIONS.items():
        if obj.status not in allowed:
            continue
        if action in services.HANDLER_ACTIONS and not handler:
            continue
        if action in services.REQUESTER_ACTIONS and not requester:
            continue
        if action == "extend" and (obj.kind != "information" or obj.extended):
            continue
        actions.append(
            {"name": action, "label": ACTION_LABELS[action], "text": action in NEEDS_TEXT}
        )
    suggestions = (
        suggest_for(
            text=f"{obj.subject} {obj.body}", exclude=[obj.from_agency.slug, obj.to_agency.slug]
        )
        if handler and obj.status in OPEN_STATUSES
        else []
    )
    tz = region_tz(obj.region)
    return render(
        request,
        "coordination/detail.html",
        {
            "obj": obj,
            "events": request_timeline(obj),
            "actions": actions,
            "can_message": can(request.user, "request.message", obj),
            "message_form": MessageForm(),
            "suggestions": suggestions,
            "agencies": Agency.objects.filter(is_active=True).order_by("name"),
            "tz": tz.key,
            "forwarded_from": list(obj.previous_handlers.all()),
            "attachments": list(obj.attachments.all()),
        },
    )


@login_required
@require_POST
@friendly_errors
def act(request: AuthedRequest, pk: int, action: str) -> HttpResponse:
    """Apply one lifecycle action to a request."""
    obj = get_visible_or_404(request.user, Request, pk=pk)
    if action not in services.TRANSITIONS:
        raise NotFound()
    form = ActionForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"body": "", "to_agency": ""}
    try:
        if action == "forward":
            services.request_forward(
                actor=request.user,
                request=obj,
                now=now(),
                body=data.get("body", ""),
                to_agency=data.get("to_agency") or None,
            )
        else:
            services.REQUEST_ACTIONS[action](
                actor=request.user, request=obj, now=now(), body=data.get("body", "")
            )
    except ValidationFailed as exc:
        messages.error(request, _errors(exc))
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Done: %(action)s.") % {"action": ACTION_LABELS[action]})
    return redirect("coordination:detail", pk=obj.pk)


@login_required
@require_POST
@friendly_errors
def message(request: AuthedRequest, pk: int) -> HttpResponse:
    """Write in a request's conversation."""
    obj = get_visible_or_404(request.user, Request, pk=pk)
    form = MessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return redirect("coordination:detail", pk=obj.pk)
    try:
        services.request_message(
            actor=request.user, request=obj, body=form.cleaned_data["body"], now=now()
        )
    except ValidationFailed as exc:
        messages.error(request, _errors(exc))
    return redirect("coordination:detail", pk=obj.pk)


@login_required
@require_POST
@friendly_errors
def attachment_upload(request: AuthedRequest, pk: int) -> HttpResponse:
    """Attach a file to a request (checked by size and content)."""
    obj = get_visible_or_404(request.user, Request, pk=pk)
    ensure_can(request.user, "request.message", obj)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file first."))
    elif upload.size is not None and upload.size > uploads.max_bytes(uploads.ATTACHMENT):
        messages.error(request, uploads.too_large_message(uploads.ATTACHMENT))
    else:
        try:
            services.attachment_add(
                actor=request.user,
                request=obj,
                data=upload.read(),
                name=upload.name or "",
                now=now(),
            )
        except ValidationFailed as exc:
            messages.error(request, _errors(exc))
        else:
            messages.success(request, _("The file was attached."))
    return redirect("coordination:detail", pk=obj.pk)


@login_required
@require_GET
@friendly_errors
def attachment_download(request: AuthedRequest, pk: int, attachment_id: int) -> HttpResponse:
    """Serve an attachment to someone who sees the request, as a download."""
    obj = get_visible_or_404(request.user, Request, pk=pk)
    row = obj.attachments.filter(pk=attachment_id).first()
    if row is None:
        raise NotFound()
    try:
        handle = (storage_dir() / row.stored_name).open("rb")
    except OSError as exc:
        raise NotFound() from exc
    response = FileResponse(
        handle, as_attachment=True, filename=row.name, content_type=row.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response  # type: ignore[return-value]  # a streaming response; friendly_errors types HttpResponse


# --- meetings ------------------------------------------------------------------------


@login_required
def meetings(request: AuthedRequest) -> HttpResponse:
    """Coordination meetings the user may see."""
    qs = meetings_visible(user=request.user).prefetch_related("invited")
    return render(request, "coordination/meetings.html", paginate_request(request, qs, 30))


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def meeting_create(request: AuthedRequest) -> HttpResponse:
    """Convene a coordination meeting."""
    form = MeetingForm(request.POST or None, user=request.user)
    if not form.fields["convening_agency"].choices:  # type: ignore[attr-defined]
        return render(
            request,
            "core/error.html",
            {"title": _("Not allowed"), "message": _("You do not act for any agency.")},
            status=403,
        )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        agency = Agency.objects.select_related("region").get(slug=d["convening_agency"])
        tz = region_tz(agency.region)
        try:
            meeting = services.meeting_create(
                actor=request.user,
                convening_agency=agency,
                title=d["title"],
                agenda=d["agenda"],
                starts_at=dt.datetime.combine(d["date"], d["start"], tzinfo=tz),
                ends_at=dt.datetime.combine(d["date"], d["end"], tzinfo=tz),
                place=d["place"],
                invited=d["invited"],
                now=now(),
            )
        except ValidationFailed as exc:
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            messages.success(request, _("The meeting was convened."))
            return redirect("coordination:meeting_detail", pk=meeting.pk)
    return render(
        request,
        "coordination/meeting_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


def _meeting_agencies(meeting: Meeting) -> list[tuple[str, str]]:
    agencies = [meeting.convening_agency, *meeting.invited.order_by("name")]
    return [(a.slug, a.name) for a in agencies]


@login_required
@friendly_errors
def meeting_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    """A meeting: agenda, attendance, minutes, decisions and action items."""
    at = now()
    meeting = get_visible_or_404(request.user, Meeting, pk=pk)
    agencies = _meeting_agencies(meeting)
    decisions = list(meeting.decisions.all())
    items = [
        annotate_clock(r, at)
        for r in meeting.action_items.select_related("to_agency", "region", "decision")
    ]
    visible = set(
        Request.objects.visible_to(request.user)
        .filter(meeting=meeting)
        .values_list("pk", flat=True)
    )
    changeable = can(request.user, "meeting.change", meeting)
    return render(
        request,
        "coordination/meeting_detail.html",
        {
            "meeting": meeting,
            "tz": region_tz(meeting.region).key,
            "invited": meeting.invited.order_by("name"),
            "attendance": meeting.attendance.select_related("agency"),
            "decisions": decisions,
            "items": items,
            "visible_items": visible,
            "can_change": changeable,
            "minutes_form": MinutesForm(initial=_meeting_initial(meeting)),
            "attendance_form": AttendanceForm(agencies=agencies),
            "decision_form": DecisionForm(),
            "item_form": ActionItemForm(
                agencies=agencies[1:] or agencies,
                decisions=[(d.pk, f"{d.number}. {d.text[:60]}") for d in decisions],
            ),
        },
    )


def _meeting_initial(meeting: Meeting) -> dict[str, Any]:
    """The minutes form filled with the meeting as it is, times in the region's zone."""
    tz = region_tz(meeting.region)
    starts, ends = meeting.starts_at.astimezone(tz), meeting.ends_at.astimezone(tz)
    return {
        "status": meeting.status,
        "minutes": meeting.minutes,
        "place": meeting.place,
        "date": starts.date(),
        "start": starts.time().replace(second=0, microsecond=0),
        "end": ends.time().replace(second=0, microsecond=0),
    }


def _meeting_post(request: AuthedRequest, pk: int, kind: str) -> HttpResponse:
    meeting = get_visible_or_404(request.user, Meeting, pk=pk)
    agencies = _meeting_agencies(meeting)
    at = now()
    try:
        if kind == "minutes":
            form: Any = MinutesForm(request.POST)
            if form.is_valid():
                d = form.cleaned_data
                move: dict[str, Any] = {"place": d["place"] or None}
                if d["date"] and d["start"] and d["end"]:
                    tz = region_tz(meeting.region)
                    move["starts_at"] = dt.datetime.combine(d["date"], d["start"], tzinfo=tz)
                    move["ends_at"] = dt.datetime.combine(d["date"], d["end"], tzinfo=tz)
                services.meeting_update(
                    actor=request.user,
                    meeting=meeting,
                    now=at,
                    status=d["status"],
                    minutes=d["minutes"],
                    **move,
                )
        elif kind == "attendance":
            form = AttendanceForm(request.POST, agencies=agencies)
            if form.is_valid():
                services.attendance_add(
                    actor=request.user, meeting=meeting, now=at, **form.cleaned_data
                )
        elif kind == "decision":
            form = DecisionForm(request.POST)
            if form.is_valid():
                services.decision_add(
                    actor=request.user, meeting=meeting, now=at, text=form.cleaned_data["text"]
                )
        else:
            decisions = list(meeting.decisions.all())
            form = ActionItemForm(
                request.POST,
                agencies=agencies,
                decisions=[(d.pk, str(d.number)) for d in decisions],
            )
            if form.is_valid():
                d = form.cleaned_data
                decision = (
                    Decision.objects.filter(pk=d["decision"], meeting=meeting).first()
                    if d["decision"]
                    else None
                )
                services.action_item_add(
                    actor=request.user,
                    meeting=meeting,
                    owner=d["owner"],
                    subject=d["subject"],
                    due_date=d["due_date"],
                    decision=decision,
                    now=at,
                )
        if not form.is_valid():
            messages.error(
                request,
                "; ".join(
                    f"{form.fields[f].label if f in form.fields else f}: {e}"
                    for f, errs in form.errors.items()
                    for e in errs
                ),
            )
        else:
            messages.success(request, _("Saved."))
    except ValidationFailed as exc:
        messages.error(request, _errors(exc))
    return redirect("coordination:meeting_detail", pk=meeting.pk)


@login_required
@require_POST
@friendly_errors
def meeting_update(request: AuthedRequest, pk: int) -> HttpResponse:
    """Record the minutes and status."""
    return _meeting_post(request, pk, "minutes")


@login_required
@require_POST
@friendly_errors
def meeting_attendance(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add an attendee."""
    return _meeting_post(request, pk, "attendance")


@login_required
@require_POST
@friendly_errors
def meeting_decision(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add a decision."""
    return _meeting_post(request, pk, "decision")


@login_required
@require_POST
@friendly_errors
def meeting_action(request: AuthedRequest, pk: int) -> HttpResponse:
    """Add an action item."""
    return _meeting_post(request, pk, "action")


@login_required
@require_GET
@friendly_errors
def meeting_ics(request: AuthedRequest, pk: int) -> HttpResponse:
    """The meeting as an iCalendar file."""
    meeting = get_visible_or_404(request.user, Meeting, pk=pk)
    body = services.meeting_ics(meeting)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapat-{meeting.pk}.ics"'
    return response


# --- calendar feeds ------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def calendar_feeds(request: AuthedRequest) -> HttpResponse:
    """The user's secret calendar addresses: create (shown once) and revoke."""
    new_url = ""
    mine = [m.agency for m in user_memberships(request.user)]
    if request.method == "POST":
        slug = request.POST.get("agency", "")[:100]
        try:
            _feed, token = services.feed_create(actor=request.user, agency=slug or None, now=now())
        except ValidationFailed as exc:
            messages.error(request, _errors(exc))
        else:
            new_url = request.build_absolute_uri(
                reverse("coordination:feed_ics", kwargs={"token": token})
            )
    feeds = CalendarFeed.objects.visible_to(request.user).filter(user=request.user)
    return render(
        request,
        "coordination/feeds.html",
        {"feeds": feeds.select_related("agency"), "new_url": new_url, "my_agencies": mine},
    )


@login_required
@require_POST
@friendly_errors
def feed_revoke(request: AuthedRequest, pk: int) -> HttpResponse:
    """Revoke one of the user's calendar addresses."""
    feed = get_visible_or_404(request.user, CalendarFeed, pk=pk)
    services.feed_revoke(actor=request.user, feed=feed, now=now())
    messages.success(request, _("The calendar address was revoked."))
    return redirect("coordination:feeds")


@require_GET
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """A calendar of meetings and due dates, for the holder of a secret address."""
    feed = (
        CalendarFeed.objects.select_related("user", "agency")
        .filter(token_hash=services.feed_token_hash(token[:200]), revoked_at__isnull=True)
        .first()
    )
    if feed is None or not feed.user.is_active:
        raise Http404()
    at = now()
    events = [
        ics.event_lines(
            uid=f"{m.uid}@sinergi",
            stamp=m.updated_at,
            start=m.starts_at,
            end=m.ends_at,
            summary=m.title,
            description=m.agenda,
            location=m.place,
            organizer=m.convening_agency.name,
            sequence=m.sequence,
            cancelled=m.status == "cancelled",
        )
        for m in feed_meetings(user=feed.user, agency=feed.agency, now=at)
    ]
    events += [
        ics.event_lines(
            uid=f"request-{r.pk}-{r.clock_cycle}@sinergi",
            stamp=r.updated_at,
            start=at,
            end=at,
            all_day=r.due_date,
            summary=_("Due: %(subject)s (%(agency)s)")
            % {"subject": r.subject, "agency": r.from_agency},
            description=request.build_absolute_uri(reverse("coordination:detail", args=[r.pk])),
        )
        for r in feed_due_requests(user=feed.user, agency=feed.agency)
    ]
    body = ics.calendar(events, name=f"Sinergi {feed.agency or feed.user.get_username()}")
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
