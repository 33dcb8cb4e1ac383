"""Forms of the catalog pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sinergi.agencies.models import Affair, Agency, Sector

from .choices import AccessLevel, Frequency, Licence, VerifyDecision
from .schemas import SLUG


def _split(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class DatasetForm(forms.Form):
    """Metadata of a dataset (Satu Data standard)."""

    publisher = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Publisher"))
    slug = forms.RegexField(
        regex=SLUG,
        max_length=100,
        label=_("Identifier"),
        help_text=_("Lower-case letters, digits and hyphens; used in links and the API."),
    )
    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=5000,
        label=_("Description"),
    )
    tags = forms.CharField(
        required=False, max_length=600, label=_("Tags"), help_text=_("Separated by commas.")
    )
    sector = forms.ModelChoiceField(
        queryset=Sector.objects.all(), required=False, to_field_name="slug", label=_("Sector")
    )
    affair = forms.ModelChoiceField(
        queryset=Affair.objects.all(),
        required=False,
        to_field_name="code",
        label=_("Government affair"),
    )
    frequency = forms.ChoiceField(choices=Frequency.choices, label=_("Update frequency"))
    licence = forms.ChoiceField(choices=Licence.choices, label=_("Licence"))
    temporal_start = forms.DateField(
        required=False, label=_("Covers from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    temporal_end = forms.DateField(
        required=False, label=_("Covers to"), widget=forms.DateInput(attrs={"type": "date"})
    )
    spatial_coverage = forms.CharField(
        required=False,
        max_length=1000,
        label=_("Spatial coverage"),
        help_text=_("Kemendagri region codes separated by commas, e.g. 61.03, 61.03.01."),
    )
    reference_codes = forms.CharField(required=False, max_length=300, label=_("Reference codes"))
    contact_name = forms.CharField(required=False, max_length=150, label=_("Contact name"))
    contact_email = forms.EmailField(required=False, label=_("Contact email"))
    access_level = forms.ChoiceField(choices=AccessLevel.choices, label=_("Access"))
    allowed_agencies = forms.ModelMultipleChoiceField(
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        required=False,
        label=_("Agencies allowed"),
        help_text=_("Only for access by named agencies."),
    )

    def __init__(self, *args: Any, publishers: list[Agency] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if publishers is None:
            del self.fields["publisher"]
            del self.fields["slug"]
        else:
            self.fields["publisher"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
                pk__in=[a.pk for a in publishers]
            ).order_by("name")

    def metadata(self) -> dict[str, Any]:
        """The cleaned values as service keyword arguments."""
        data = dict(self.cleaned_data)
        data.pop("publisher", None)
        data.pop("slug", None)
        data["tags"] = _split(data.get("tags") or "")
        data["spatial_coverage"] = _split(data.get("spatial_coverage") or "")
        data["allowed_agencies"] = list(data.get("allowed_agencies") or [])
        return data


class UploadForm(forms.Form):
    """A CSV file for the next version."""

    file = forms.FileField(label=_("CSV file"))
    note = forms.CharField(required=False, max_length=300, label=_("What changed"))


class VerifyForm(forms.Form):
    """The walidata's decision."""

    decision = forms.ChoiceField(choices=VerifyDecision.choices, label=_("Decision"))
    comment = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        label=_("Comments for the publisher"),
    )


class PreviewForm(forms.Form):
    """Filter, search and sort of the table preview."""

    q = forms.CharField(required=False, max_length=200, label=_("Search"))
    column = forms.ChoiceField(required=False, label=_("Column"))
    value = forms.CharField(required=False, max_length=200, label=_("equals"))
    sort = forms.ChoiceField(required=False, label=_("Sort by"))
    desc = forms.BooleanField(required=False, label=_("Descending"))
    page = forms.IntegerField(required=False, min_value=1, max_value=100_000)

    def __init__(self, *args: Any, columns: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *[(c, c) for c in columns]]
        self.fields["column"].choices = choices  # type: ignore[attr-defined]
        self.fields["sort"].choices = choices  # type: ignore[attr-defined]
