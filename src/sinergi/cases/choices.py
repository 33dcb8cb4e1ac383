"""Choices of the cases app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    """Where a citizen's case stands, in the words the citizen reads."""

    VERIFICATION = "verification", _("Waiting for verification at the front desk")
    IN_PROCESS = "in_process", _("Being processed by the agencies")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting for a document from the applicant")
    ISSUING = "issuing", _("Product being issued at the front desk")
    FINISHED = "finished", _("Finished: product issued")
    REJECTED = "rejected", _("Rejected")


#: Statuses of a case that is still being worked on.
OPEN_CASE_STATUSES = frozenset(
    {
        CaseStatus.VERIFICATION,
        CaseStatus.IN_PROCESS,
        CaseStatus.WAITING_CITIZEN,
        CaseStatus.ISSUING,
    }
)


class StepStatus(models.TextChoices):
    """Where one agency's step of a case stands."""

    PENDING = "pending", _("Not started yet")
    ACTIVE = "active", _("Being processed")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting for a document from the applicant")
    DONE = "done", _("Done")
    DECLINED = "declined", _("Declined")


class Channel(models.TextChoices):
    """How a case was filed."""

    WEB = "web", _("Website")
    COUNTER = "counter", _("Front desk (on the citizen's behalf)")
    KIOSK = "kiosk", _("Kiosk or front-desk system (API)")


class NotifyBy(models.TextChoices):
    """Where a citizen wants short messages about their case, besides email."""

    NONE = "", _("No message to my phone")
    WHATSAPP = "whatsapp", _("WhatsApp")
    SMS = "sms", _("SMS")


class RequirementKind(models.TextChoices):
    """A requirement of a service: a document to upload or a field to fill."""

    DOCUMENT = "document", _("Document")
    FIELD = "field", _("Field")


class DocumentSource(models.TextChoices):
    """Where a case document came from."""

    FILING = "filing", _("Filed with the application")
    REQUESTED = "requested", _("Provided when asked")
    PRODUCT = "product", _("Product issued")


#: The nine elements of the Survei Kepuasan Masyarakat (PermenPANRB 14/2017).
SKM_ELEMENTS = (
    ("u1", _("Requirements")),
    ("u2", _("Systems, mechanisms and procedures")),
    ("u3", _("Completion time")),
    ("u4", _("Cost or fee")),
    ("u5", _("Product specification by type of service")),
    ("u6", _("Competence of the staff")),
    ("u7", _("Behaviour of the staff")),
    ("u8", _("Handling of complaints, suggestions and feedback")),
    ("u9", _("Facilities and infrastructure")),
)
SKM_SCALE = (
    (1, _("Not good")),
    (2, _("Less good")),
    (3, _("Good")),
    (4, _("Very good")),
)
