"""Forms of the blood app."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from sinergi.agencies.models import Agency
from sinergi.core.forms import DateTimeLocalInput

from .choices import MANUAL_KINDS, Abo, BagStatus, BloodUrgency, MovementKind, Rh
from .models import Product
from .services import MAX_BAGS


def _products() -> Any:
    return Product.objects.filter(is_active=True)


class MovementForm(forms.Form):
    """Record a collection, an issue, an expiry, a discard or an adjustment."""

    kind = forms.ChoiceField(
        label=_("What happened"), choices=[(k.value, k.label) for k in MANUAL_KINDS]
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), to_field_name="code"
    )
    abo = forms.ChoiceField(label=_("ABO group"), choices=Abo.choices)
    rh = forms.ChoiceField(label=_("RhD"), choices=Rh.choices)
    quantity = forms.IntegerField(
        label=_("Bags"),
        min_value=-MAX_BAGS,
        max_value=MAX_BAGS,
        help_text=_("For an adjustment: negative to reduce the stock."),
    )
    counterpart = forms.ModelChoiceField(
        label=_("Hospital (for an issue)"),
        queryset=Agency.objects.none(),
        to_field_name="slug",
        required=False,
    )
    reason = forms.CharField(label=_("Reason or note"), max_length=300, required=False)
    donation_numbers = forms.CharField(
        label=_("Donation numbers"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 3, "autocapitalize": "characters"}),
        help_text=_(
            "For products tracked by bag: one number per bag (a line each, or separated by "
            "spaces). Required for a collection; for an issue or expiry, leave empty to take "
            "the bags that expire first."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]
        self.fields["counterpart"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            kind="hospital", is_active=True
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == MovementKind.ADJUSTMENT and not data.get("reason"):
            self.add_error("reason", _("Every adjustment needs a reason."))
        return data


class UploadForm(forms.Form):
    """A CSV file with the SIMDONDAR columns, or SIMDONDAR's stokdarah export."""

    file = forms.FileField(
        label=_("CSV or JSON file"),
        help_text=_(
            "SIMDONDAR's stokdarah table as CSV or JSON (udd, produk, nama, a_pos … ab_neg, "
            "ket, update_on), or the short CSV: produk, a_pos, a_neg, b_pos, b_neg, o_pos, "
            "o_neg, ab_pos, ab_neg."
        ),
    )


class RequestForm(forms.Form):
    """A hospital's blood request."""

    hospital = forms.ModelChoiceField(
        label=_("Hospital"), queryset=Agency.objects.none(), to_field_name="slug"
    )
    unit = forms.ModelChoiceField(
        label=_("Blood unit"), queryset=Agency.objects.none(), to_field_name="slug"
    )
    case_number = forms.CharField(
        label=_("Case number"),
        max_length=40,
        help_text=_("The hospital's case or register number. Never the patient's name."),
    )
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), to_field_name="code"
    )
    abo = forms.ChoiceField(label=_("ABO group"), choices=Abo.choices)
    rh = forms.ChoiceField(label=_("RhD"), choices=Rh.choices)
    quantity = forms.IntegerField(label=_("Bags"), min_value=1, max_value=100)
    urgency = forms.ChoiceField(label=_("Urgency"), choices=BloodUrgency.choices)
    needed_by = forms.DateTimeField(
        label=_("Needed by"),
        widget=DateTimeLocalInput(),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args: Any, hospitals: list[Agency], units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hospital"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=[h.pk for h in hospitals]
        )
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]
        if len(hospitals) == 1:
            self.fields["hospital"].initial = hospitals[0].slug
            # The blood unit of the hospital's own region is the usual supplier.
            near = units.filter(region=hospitals[0].region).first()
            if near is not None:
                self.fields["unit"].initial = near.slug
        self.fields["product"].initial = "PRC"


class AllocateForm(forms.Form):
    """Allocate bags of one cell (the requested one or a substitute)."""

    cell = forms.ChoiceField(label=_("Group"))
    quantity = forms.IntegerField(label=_("Bags"), min_value=1, max_value=100)

    def __init__(self, *args: Any, cells: list[tuple[str, str, int]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["cell"].choices = [  # type: ignore[attr-defined]
            (f"{a}:{r}", f"{a}{'+' if r == 'pos' else '−'} ({q})") for a, r, q in cells
        ]


class ReasonForm(forms.Form):
    """A reason for declining."""

    reason = forms.CharField(label=_("Reason"), max_length=300)


class DroppingForm(forms.Form):
    """Ask a neighbouring unit for bags."""

    to_unit = forms.ModelChoiceField(
        label=_("Blood unit"), queryset=Agency.objects.none(), to_field_name="slug"
    )
    cell = forms.ChoiceField(label=_("Group"))
    quantity = forms.IntegerField(label=_("Bags"), min_value=1, max_value=500)

    def __init__(self, *args: Any, units: Any, cells: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_unit"].queryset = units  # type: ignore[attr-defined]
        self.fields["cell"].choices = [  # type: ignore[attr-defined]
            (f"{a}:{r}", f"{a}{'+' if r == 'pos' else '−'}") for a, r in cells
        ]


class DonorCallForm(forms.Form):
    """A call for donors of a group."""

    abo = forms.ChoiceField(label=_("ABO group"), choices=Abo.choices)
    rh = forms.ChoiceField(label=_("RhD"), choices=[("", _("any")), *Rh.choices], required=False)
    product = forms.ModelChoiceField(
        label=_("Product"), queryset=Product.objects.none(), to_field_name="code"
    )
    place = forms.CharField(label=_("Place"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=DateTimeLocalInput(),
    )
    ends_at = forms.DateTimeField(
        label=_("Until"),
        widget=DateTimeLocalInput(),
    )
    message = forms.CharField(label=_("Message"), max_length=500, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]


def split_numbers(value: str) -> list[str]:
    """Donation numbers typed one per line, or separated by spaces, commas or semicolons."""
    return [n for n in re.split(r"[\s,;]+", value or "") if n]


class BagFilterForm(forms.Form):
    """Filters of the bag list."""

    product = forms.ModelChoiceField(
        label=_("Product"),
        queryset=Product.objects.none(),
        to_field_name="code",
        required=False,
        empty_label=_("all"),
    )
    abo = forms.ChoiceField(
        label=_("ABO group"), choices=[("", _("all")), *Abo.choices], required=False
    )
    rh = forms.ChoiceField(label=_("RhD"), choices=[("", _("all")), *Rh.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("all")), *BagStatus.choices], required=False
    )
    expiring = forms.IntegerField(
        label=_("Expiring within (days)"), min_value=0, max_value=400, required=False
    )
    number = forms.CharField(label=_("Donation number"), max_length=40, required=False)

    def __init__(self, *args: Any, products: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = products  # type: ignore[attr-defined]


class BagForm(forms.Form):
    """Correct a bag from its label."""

    donation_number = forms.CharField(label=_("Donation number"), max_length=40)
    expires_at = forms.DateTimeField(
        label=_("Expires at"),
        widget=DateTimeLocalInput(),
    )


BAG_LINE_RE = re.compile(
    r"^(?P<number>\S+)\s+(?P<abo>AB|A|B|O)\s*(?P<rh>[+\-\u2212])\s+(?P<collected>\d{4}-\d{2}-\d{2})"
    r"(?:\s+(?P<expires>\d{4}-\d{2}-\d{2}))?$"
)


class TrackForm(forms.Form):
    """Switch tracking by bag on for a product: a line per bag now in stock."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), to_field_name="code", widget=forms.HiddenInput
    )
    bags = forms.CharField(
        label=_("Bags now in stock"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 6, "autocapitalize": "characters"}),
        help_text=_(
            "One line per bag: donation number, group, collection date and optionally the "
            "expiry date, e.g. SGU-26-0001 A+ 2026-11-20 2026-12-25. Without an expiry date "
            "the product's shelf life is counted from the collection."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]

    def clean_bags(self) -> list[tuple[str, str, str, dt.datetime, dt.datetime | None]]:
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        rows = []
        errors = []
        for n, line in enumerate((self.cleaned_data.get("bags") or "").splitlines(), start=1):
            line = line.strip().upper()
            if not line:
                continue
            match = BAG_LINE_RE.match(line)
            if match is None:
                errors.append(
                    _("Line %(n)d: write the donation number, group and date.") % {"n": n}
                )
                continue
            try:
                collected = dt.datetime.combine(
                    dt.date.fromisoformat(match["collected"]), dt.time(), tzinfo=zone
                )
                expires = (
                    dt.datetime.combine(
                        dt.date.fromisoformat(match["expires"]), dt.time(), tzinfo=zone
                    )
                    if match["expires"]
                    else None
                )
            except ValueError:
                errors.append(_("Line %(n)d: the date is not valid.") % {"n": n})
                continue
            rh = "pos" if match["rh"] == "+" else "neg"
            rows.append((match["number"], match["abo"], rh, collected, expires))
        if errors:
            raise forms.ValidationError(errors)
        return rows


class UntrackForm(forms.Form):
    """Switch tracking by bag off for a product."""

    product = forms.ModelChoiceField(
        queryset=Product.objects.none(), to_field_name="code", widget=forms.HiddenInput
    )
    confirm = forms.BooleanField(
        label=_("I understand: this product is counted per cell again."), required=True
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = _products()  # type: ignore[attr-defined]


def split_cell(value: str) -> tuple[str, str]:
    """``"O:neg"`` → ``("O", "neg")``."""
    abo, _sep, rh = value.partition(":")
    return abo, rh
