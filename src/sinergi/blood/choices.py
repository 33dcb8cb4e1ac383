"""Choices of the blood app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Component(models.TextChoices):
    """What a product is made of; decides which compatibility rule applies."""

    WHOLE_BLOOD = "whole_blood", _("Whole blood")
    RED_CELLS = "red_cells", _("Red cells")
    PLATELETS = "platelets", _("Platelets")
    PLASMA = "plasma", _("Plasma")


class Abo(models.TextChoices):
    """ABO blood group."""

    A = "A", "A"
    B = "B", "B"
    O = "O", "O"  # noqa: E741 - the blood group is called O
    AB = "AB", "AB"


class Rh(models.TextChoices):
    """RhD factor."""

    POS = "pos", _("RhD positive")
    NEG = "neg", _("RhD negative")


class MovementKind(models.TextChoices):
    """Why stock changed; the sign of the change follows from the kind (adjustments carry
    their own sign)."""

    COLLECTED = "collected", _("Collected from donors")
    RECEIVED_DROPPING = "received_dropping", _("Received by dropping")
    ISSUED = "issued", _("Issued to a hospital")
    SENT_DROPPING = "sent_dropping", _("Sent by dropping")
    EXPIRED = "expired", _("Expired")
    DISCARDED = "discarded", _("Discarded")
    ADJUSTMENT = "adjustment", _("Adjustment")


INCOMING = {MovementKind.COLLECTED, MovementKind.RECEIVED_DROPPING}
OUTGOING = {
    MovementKind.ISSUED,
    MovementKind.SENT_DROPPING,
    MovementKind.EXPIRED,
    MovementKind.DISCARDED,
}
# Kinds an officer records by hand; the dropping kinds are written by the dropping flow.
MANUAL_KINDS = [
    MovementKind.COLLECTED,
    MovementKind.ISSUED,
    MovementKind.EXPIRED,
    MovementKind.DISCARDED,
    MovementKind.ADJUSTMENT,
]


class StockStatus(models.TextChoices):
    """Safe level of a group from its days of supply (aman / waspada / kritis)."""

    SAFE = "safe", _("Safe")
    ALERT = "alert", _("Alert")
    CRITICAL = "critical", _("Critical")


class BloodUrgency(models.TextChoices):
    """How soon a hospital needs the blood."""

    ROUTINE = "routine", _("Routine")
    URGENT = "urgent", _("Urgent")
    CITO = "cito", _("Cito")


class BloodRequestStatus(models.TextChoices):
    """Life of a hospital's blood request."""

    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    PARTIAL = "partial", _("Partially allocated")
    FULFILLED = "fulfilled", _("Fulfilled")
    DECLINED = "declined", _("Declined")


OPEN_REQUEST = {
    BloodRequestStatus.SUBMITTED,
    BloodRequestStatus.ACCEPTED,
    BloodRequestStatus.PARTIAL,
}


class BagStatus(models.TextChoices):
    """Where one tracked bag is: only ``available`` bags are stock."""

    AVAILABLE = "available", _("Available")
    ALLOCATED = "allocated", _("Allocated to a request")
    ISSUED = "issued", _("Issued")
    EXPIRED = "expired", _("Expired")
    DISCARDED = "discarded", _("Discarded")
    SENT_DROPPING = "sent_dropping", _("Sent by dropping")
    # The unit stopped tracking the product while the bag was in stock: it is history, and
    # the bag (if still there) is counted in the ledger like every other bag of the cell.
    UNTRACKED = "untracked", _("Tracking switched off")


class DonorCallStatus(models.TextChoices):
    """A donor call is prepared as a draft (e.g. suggested when a group turns critical),
    published by the officer, and closed."""

    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed")


class DroppingStatus(models.TextChoices):
    """Life of a dropping request between two blood units."""

    REQUESTED = "requested", _("Requested")
    SENT = "sent", _("Sent")
    DECLINED = "declined", _("Declined")
