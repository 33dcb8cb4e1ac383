"""Forms of the catalog pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from sinergi.agencies.models import Affair, Agency, Sector
from sinergi.core.forms import DateInput

from .choices import AccessLevel, Frequency, Licence, VerifyDecision
from .models import Dataset
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
        required=False,
        label=_("Covers from"),
        widget=DateInput(),
    )
    temporal_end = forms.DateField(
        required=False,
        label=_("Covers to"),
        widget=DateInput(),
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
    """A CSV file or an XLSX workbook for the next version."""

    file = forms.FileField(label=_("CSV or Excel (.xlsx) file"))
    sheet = forms.CharField(
        required=False,
        max_length=100,
        label=_("Sheet"),
        help_text=_("For a workbook: the sheet to read (default: the first)."),
    )
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


class AggregateForm(forms.Form):
    """Group-by columns and one summary for the summary table."""

    group_by = forms.MultipleChoiceField(
        required=False,
        label=_("Group by"),
        help_text=_("Up to five columns."),
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    fn = forms.ChoiceField(
        label=_("Summary"),
        choices=[
            ("count", _("Number of rows")),
            ("sum", _("Sum")),
            ("avg", _("Average")),
            ("min", _("Minimum")),
            ("max", _("Maximum")),
        ],
    )
    of = forms.ChoiceField(required=False, label=_("of column"))
    column = forms.ChoiceField(required=False, label=_("Where column"))
    value = forms.CharField(required=False, max_length=200, label=_("equals"))

    def __init__(self, *args: Any, columns: list[str], numeric: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["group_by"].choices = [(c, c) for c in columns]  # type: ignore[attr-defined]
        self.fields["of"].choices = [("", "—"), *[(c, c) for c in numeric]]  # type: ignore[attr-defined]
        self.fields["column"].choices = [("", "—"), *[(c, c) for c in columns]]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """A summary other than a row count needs a column."""
        data = super().clean() or {}
        if data.get("fn") and data["fn"] != "count" and not data.get("of"):
            self.add_error("of", _("Choose the column to summarise."))
        if len(data.get("group_by") or []) > 5:
            self.add_error("group_by", _("Up to five columns."))
        return data


class DataRequestForm(forms.Form):
    """Ask another agency for data that no one publishes yet."""

    requester = forms.ModelChoiceField(queryset=Agency.objects.none(), label=_("Asked by"))
    title = forms.CharField(max_length=200, label=_("Data needed"))
    description = forms.CharField(
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        label=_("Description"),
        help_text=_("What the data should contain, for which area and period, and why."),
    )
    producer = forms.ModelChoiceField(
        queryset=Agency.objects.filter(is_active=True).order_by("name"),
        to_field_name="slug",
        required=False,
        label=_("Agency that should produce it"),
        help_text=_("Leave empty and press Suggest to see which agency looks competent."),
    )

    def __init__(self, *args: Any, requesters: list[Agency], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["requester"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in requesters]
        ).order_by("name")


class FulfilForm(forms.Form):
    """The published dataset that fulfils a data request."""

    dataset = forms.ModelChoiceField(
        queryset=Dataset.objects.none(), to_field_name="slug", label=_("Published dataset")
    )
    note = forms.CharField(
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("Note"),
    )

    def __init__(self, *args: Any, candidates: list[Dataset], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dataset"].queryset = Dataset.objects.filter(  # type: ignore[attr-defined]
            pk__in=[d.pk for d in candidates]
        ).order_by("title")


class FilterColumnsForm(forms.Form):
    """The columns people filter a dataset's data on (kolom penyaring), most used first."""

    first = forms.ChoiceField(required=False, label=_("First filter column"))
    second = forms.ChoiceField(required=False, label=_("Second filter column"))
    third = forms.ChoiceField(required=False, label=_("Third filter column"))

    def __init__(
        self, *args: Any, columns: list[str], suggested: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        marked = set(suggested or [])
        choices = [("", "—")] + [
            (c, _("%(c)s (suggested)") % {"c": c} if c in marked else c) for c in columns
        ]
        for name in ("first", "second", "third"):
            self.fields[name].choices = choices  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Filled from the first one on, each column once."""
        data = super().clean() or {}
        values = [data.get(n) or "" for n in ("first", "second", "third")]
        if "" in values and any(values[values.index("") :]):
            raise forms.ValidationError(_("Fill the filter columns from the first one on."))
        chosen = [v for v in values if v]
        if len(chosen) != len(set(chosen)):
            raise forms.ValidationError(_("A column is chosen twice."))
        data["filter_columns"] = chosen
        return data
