"""API schemas of the cases app."""

import datetime as dt

from ninja import Field, Schema

from .choices import CaseStatus, NotifyBy, StepStatus

# Base64 of the largest accepted document (5 MB) with room for padding.
B64_MAX = 7_000_000


class DocumentIn(Schema):
    """One document of an application, as base64."""

    requirement: str = Field(..., min_length=1, max_length=40, description="requirement code")
    name: str = Field(..., min_length=1, max_length=200, description="file name")
    content_base64: str = Field(..., min_length=1, max_length=B64_MAX)


class CaseIn(Schema):
    """An application filed by a kiosk or a front-desk system."""

    service: str = Field(..., min_length=1, max_length=80, description="service slug")
    applicant_name: str = Field(..., min_length=1, max_length=150)
    nik: str = Field(..., min_length=1, max_length=32)
    phone: str = Field(..., min_length=1, max_length=32)
    email: str = Field("", max_length=254)
    notify_by: NotifyBy = Field(
        NotifyBy.NONE,
        description="short messages to the phone when a step changes: '', 'whatsapp' or 'sms'",
    )
    fields: dict[str, str] = Field(default_factory=dict, description="field code -> value")
    documents: list[DocumentIn] = Field(default_factory=list, max_length=20)


class CaseFiledOut(Schema):
    """The receipt of a filed application."""

    code: str = Field(description="tracking code")
    service: str
    status: CaseStatus
    filed_at: dt.datetime
    due_date: dt.date = Field(description="expected finish date")


class StepOut(Schema):
    """One agency's step as the citizen reads it."""

    title: str
    agency: str
    status: StepStatus
    status_label: str
    due_date: dt.date | None
    question: str = Field(description="what the step asks of the applicant, if anything")


class TrackOut(Schema):
    """A tracked case: no personal data."""

    code: str
    service: str
    status: CaseStatus
    status_label: str
    filed_at: dt.datetime
    due_date: dt.date
    finished_at: dt.datetime | None
    reject_reason: str
    steps: list[StepOut]
    product_available: bool
    rated: bool


class RequirementOut(Schema):
    """A requirement of a service."""

    code: str
    label: str
    kind: str
    required: bool


class ServiceOut(Schema):
    """A service open for applications, with its standard."""

    slug: str
    name: str
    front_agency: str
    version: int
    total_days: int
    fee: str
    product: str
    complaint_channel: str
    requirements: list[RequirementOut]
