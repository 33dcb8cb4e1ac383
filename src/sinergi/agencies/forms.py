"""Forms of the agencies app; they validate input, services do the writes."""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from .choices import AgencyKind, MembershipRole
from .models import Affair, Sector

SLUG_HELP = _("Lower-case letters, digits and hyphens, e.g. dinas-kesehatan.")


class DirectoryFilterForm(forms.Form):
    """Search and filters of the agency directory."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name or mandate")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AgencyKind.choices]
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    affair = forms.ChoiceField(label=_("Government affair"), required=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["sector"]).choices = [("", _("All sectors"))] + [
            (s.slug, s.name) for s in Sector.objects.all()
        ]
        cast(forms.ChoiceField, self.fields["affair"]).choices = [("", _("All affairs"))] + [
            (a.code, f"{a.code} {a.name}") for a in Affair.objects.all()
        ]


class AgencyForm(forms.Form):
    """Create or edit an agency."""

    slug = forms.SlugField(label=_("Slug"), max_length=100, help_text=SLUG_HELP)
    name = forms.CharField(label=_("Name"), max_length=200)
    short_name = forms.CharField(label=_("Short name"), max_length=60, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=AgencyKind.choices)
    region = forms.CharField(
        label=_("Region code"), max_length=20, help_text=_("Kemendagri code, e.g. 61.03")
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"), required=False, widget=forms.CheckboxSelectMultiple
    )
    affairs = forms.MultipleChoiceField(
        label=_("Government affairs"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    mandate = forms.CharField(
        label=_("Mandate (tugas dan fungsi)"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    head_title = forms.CharField(label=_("Head's position title"), max_length=150, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    def __init__(self, *args: object, editing: bool = False, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        cast(forms.ChoiceField, self.fields["sectors"]).choices = [
            (s.slug, s.name) for s in Sector.objects.all()
        ]
        cast(forms.ChoiceField, self.fields["affairs"]).choices = [
            (a.code, f"{a.code} {a.name}") for a in Affair.objects.all()
        ]
        if editing:
            self.fields["slug"].disabled = True
            self.fields["slug"].required = False


class MembershipForm(forms.Form):
    """Add a person to an agency."""

    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=MembershipRole.choices)
    position_title = forms.CharField(label=_("Position title"), max_length=150, required=False)
