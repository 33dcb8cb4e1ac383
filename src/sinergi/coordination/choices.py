"""Choices of the coordination app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RequestKind(models.TextChoices):
    """What one agency asks of another."""

    INFORMATION = "information", _("Information")
    DATA = "data", _("Data")
    SUPPORT = "support", _("Support or resources")
    APPROVAL = "approval", _("Approval or recommendation")
    ACTION = "action", _("Action")


class RequestPriority(models.TextChoices):
    """How urgent the requester says it is."""

    LOW = "low", _("Low")
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class RequestStatus(models.TextChoices):
    """Where a request is in its lifecycle."""

    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    IN_PROGRESS = "in_progress", _("In progress")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    WAITING = "waiting", _("Waiting for the requester's clarification")


#: Statuses in which the receiving agency owes an answer and the SLA clock runs.
OPEN_STATUSES = frozenset(
    {
        RequestStatus.SUBMITTED,
        RequestStatus.ACKNOWLEDGED,
        RequestStatus.IN_PROGRESS,
        RequestStatus.REOPENED,
    }
)


class EventKind(models.TextChoices):
    """What happened to a request (its timeline)."""

    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    STARTED = "started", _("Work started")
    ANSWERED = "answered", _("Answered")
    DECLINED = "declined", _("Declined")
    FORWARDED = "forwarded", _("Forwarded (not our competence)")
    EXTENDED = "extended", _("Deadline extended")
    CLOSED = "closed", _("Closed")
    REOPENED = "reopened", _("Reopened")
    MESSAGE = "message", _("Message")
    ATTACHMENT = "attachment", _("Attachment")
    REMINDER = "reminder", _("Reminder")
    ESCALATED = "escalated", _("Escalated")
    CLARIFICATION_ASKED = "clarification_asked", _("Clarification requested (clock paused)")
    CLARIFIED = "clarified", _("Clarification given (clock resumed)")


class EscalationStep(models.TextChoices):
    """The steps of an escalation policy, in clock order."""

    REMIND = "remind", _("Reminder to the handling agency")
    HEAD = "head", _("Escalated to the agency head")
    SEKDA = "sekda", _("Escalated to the Regional Secretary (Sekda)")
    BUPATI = "bupati", _("Escalated to the regional head (Bupati/Wali Kota)")


#: Escalation level a step raises a request to (the reminder does not escalate).
STEP_LEVEL = {
    EscalationStep.REMIND: 0,
    EscalationStep.HEAD: 1,
    EscalationStep.SEKDA: 2,
    EscalationStep.BUPATI: 3,
}


class MeetingStatus(models.TextChoices):
    """Whether a coordination meeting is ahead, held or called off."""

    SCHEDULED = "scheduled", _("Scheduled")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", _("Cancelled")
