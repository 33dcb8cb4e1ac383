"""Forms of the programs app."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from sinergi.agencies.models import Agency
from sinergi.agencies.picker import AgencyPicker
from sinergi.core.forms import DateInput

from .choices import (
    CommitmentKind,
    ExchangeFormat,
    LinkType,
    PartnershipMode,
    ProgramStatus,
    ProposalKind,
    Visibility,
)
from .models import CODE_RE, MAX_DAYS

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
DATE_BOUNDS = [MinValueValidator(MIN_DATE), MaxValueValidator(MAX_DATE)]


def date_field(label: Any, required: bool = True) -> forms.DateField:
    """A date input bounded to plausible plan dates."""
    return forms.DateField(
        label=label,
        required=required,
        validators=DATE_BOUNDS,
        widget=DateInput(),
    )


class AgencyChoiceField(forms.ModelChoiceField):
    """An active agency chosen by slug."""

    def __init__(self, **kwargs: Any) -> None:
        # A search box instead of a <select> of every agency once there are many.
        kwargs.setdefault("widget", AgencyPicker())
        super().__init__(
            queryset=Agency.objects.filter(is_active=True).order_by("name"),
            to_field_name="slug",
            **kwargs,
        )


# Words left out of a suggested programme code: they say nothing about which programme it is.
CODE_STOPWORDS = frozenset(
    [
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "yang",
        "pada",
        "dengan",
        "serta",
        "atau",
        "program",
        "kegiatan",
        "pembangunan",
        "peningkatan",
        "percepatan",
        "penanganan",
        "kabupaten",
        "kota",
        "tahun",
        "the",
        "of",
        "and",
        "for",
    ]
)


def suggest_program_code(title: str, year: int | None) -> str:
    """A programme code from its title and year, e.g. "Pembangunan SPAM Sanggau", 2026 →
    ``SPAM-SANGGAU-2026`` (the same rule as the form's script, which fills it as one
    types)."""
    # Accents go (é → e); any other character that is not a letter or digit splits words.
    kept = (
        "" if unicodedata.category(c).startswith("M") else c if c.isalnum() else " "
        for c in unicodedata.normalize("NFKD", title)
    )
    ascii_title = "".join(kept).encode("ascii", "ignore").decode()
    year_s = str(year) if year else ""
    words = [
        w
        for w in re.split(r"[^A-Z0-9]+", ascii_title.upper())
        if w and w.lower() not in CODE_STOPWORDS and w != year_s
    ]
    parts = [w[:10] for w in words[:3]]
    if year_s:
        parts.append(year_s)
    code = "-".join(parts)[:40].strip("-")
    return code if re.fullmatch(CODE_RE, code) else f"PROGRAM-{year_s or 'BARU'}"


class ProgramForm(forms.Form):
    """Create or edit a program."""

    # The title first: the code is suggested from it.
    field_order = ["title", "code"]

    code = forms.RegexField(
        label=_("Code"),
        regex=CODE_RE,
        max_length=40,
        required=False,
        help_text=_(
            "A short name for links and files, suggested from the title and the year; you "
            "may change it. Capital letters, digits and hyphens."
        ),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    goal = forms.CharField(
        label=_("Goal"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    coordinator = AgencyChoiceField(
        label=_("Coordinator agency"),
        help_text=_("The agency that leads the programme; partners are added on its page."),
    )
    status = forms.ChoiceField(label=_("Status"), choices=ProgramStatus.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    planned_start = date_field(_("Planned start"))
    budget = forms.DecimalField(
        label=_("Budget (Rp)"), min_value=0, max_digits=18, decimal_places=2, initial=0
    )
    plan_codes = forms.CharField(
        label=_("Plan codes (SIPD/RPJMD)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PartnerForm(forms.Form):
    """Invite a partner agency."""

    agency = AgencyChoiceField(label=_("Agency"))
    mode = forms.ChoiceField(label=_("Mode"), choices=PartnershipMode.choices)
    role = forms.CharField(label=_("Role"), max_length=200, required=False)


class CommitmentForm(forms.Form):
    """Record a partner's pledge."""

    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Agency.objects.none(), to_field_name="slug"
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=CommitmentKind.choices)
    description = forms.CharField(label=_("Description"), max_length=300)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=18, decimal_places=2)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    due_date = date_field(_("Due date"))

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["partner"].queryset = agencies  # type: ignore[attr-defined]


class IndicatorForm(forms.Form):
    """Add an indicator."""

    name = forms.CharField(label=_("Name"), max_length=200)
    unit = forms.CharField(label=_("Unit"), max_length=40)
    baseline_value = forms.DecimalField(label=_("Baseline"), max_digits=18, decimal_places=4)
    target_value = forms.DecimalField(label=_("Target"), max_digits=18, decimal_places=4)


class WorkItemForm(forms.Form):
    """Add a work item to the plan."""

    wbs = forms.RegexField(label=_("WBS code"), regex=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    title = forms.CharField(label=_("Title"), max_length=200)
    owner = forms.ModelChoiceField(
        label=_("Owner agency"),
        queryset=Agency.objects.none(),
        to_field_name="slug",
        help_text=_(
            "Only the coordinator and the programme's partners can own work: add another "
            "agency as a partner first."
        ),
    )
    duration = forms.IntegerField(
        label=_("Duration (working days)"),
        min_value=0,
        max_value=MAX_DAYS,
        help_text=_("0 makes it a milestone (a moment, such as a signed decree)."),
    )
    earliest_start = date_field(_("Start no earlier than"), required=False)
    deadline = date_field(_("Deadline"), required=False)

    def __init__(self, *args: Any, agencies: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if agencies is not None:
            self.fields["owner"].queryset = agencies  # type: ignore[attr-defined]


# The link types in words, read as "<work item> <words> <the other item>"; the expert's
# code stays in brackets.
LINK_WORDS = {
    LinkType.FS: _("starts after … finishes"),
    LinkType.SS: _("starts together with …"),
    LinkType.FF: _("finishes together with …"),
    LinkType.SF: _("finishes after … starts"),
}
# Above this many items the lists would weigh more than the page: codes are typed instead.
MAX_PICK_ITEMS = 600


def link_choices() -> list[tuple[str, Any]]:
    """The link types for a form: the words first, the code for experts after."""
    return [(t.value, format_lazy("{} ({})", LINK_WORDS[t], t.value)) for t in LinkType]


class FilterSelectMultiple(forms.SelectMultiple):
    """A multiple select with a labelled search box that the page script shows and wires to
    filter the options (no script: the plain list)."""

    template_name = "programs/widgets/filter_select.html"


class TypedCodes(forms.TextInput):
    """Codes typed in one box (comma or space separated) or sent as repeated fields."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        values = data.getlist(name) if hasattr(data, "getlist") else [data.get(name, "")]
        return [v for raw in values for v in re.split(r"[\s,;]+", str(raw or "")) if v]

    def format_value(self, value: Any) -> Any:
        return ", ".join(value) if isinstance(value, list | tuple) else value


class WbsField(forms.MultipleChoiceField):
    """WBS codes picked from the programme's items; a typed code (experts, scripts) is
    accepted as well, and the view names any code that is not in the programme."""

    def valid_value(self, value: Any) -> bool:
        return bool(re.fullmatch(r"\S{1,40}", str(value)))

    def clean(self, value: Any) -> Any:
        return list(dict.fromkeys(super().clean(value)))


class OneWbsField(forms.ChoiceField):
    """One WBS code picked from the programme's items (or typed)."""

    def valid_value(self, value: Any) -> bool:
        return bool(re.fullmatch(r"\S{1,40}", str(value)))


def _item_choices(items: Any) -> list[tuple[str, str]]:
    return [(i.wbs, f"{i.wbs} — {i.title} ({i.owner_name})") for i in items]


class DependencyForm(forms.Form):
    """Link work items in plain words: "<work item> starts after <these> finish", with the
    items picked from a searchable list. Posting WBS codes (``predecessor``, ``successor``,
    ``type`` FS/SS/FF/SF, ``lag``) works as before."""

    successor = OneWbsField(
        label=_("Work item"), help_text=_("The work item that waits for another one.")
    )
    type = forms.ChoiceField(label=_("How it is linked"), choices=link_choices, initial="FS")
    predecessor = WbsField(
        label=_("… the work item(s) it waits for"),
        widget=FilterSelectMultiple,
        help_text=_("Choose one or more; type in the search box to shorten the list."),
    )
    lag = forms.IntegerField(
        label=_("Lag (working days)"),
        initial=0,
        min_value=-MAX_DAYS,
        max_value=MAX_DAYS,
        help_text=_("Working days to wait after the other item; may be negative for an overlap."),
    )

    def __init__(self, *args: Any, items: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        items = list(items or [])
        pick = 0 < len(items) <= MAX_PICK_ITEMS
        succ = self.fields["successor"]
        pred = self.fields["predecessor"]
        if pick:
            choices = _item_choices(items)
            succ.choices = [("", "—"), *choices]  # type: ignore[attr-defined]
            pred.choices = choices  # type: ignore[attr-defined]
        else:
            succ.widget = forms.TextInput(attrs={"maxlength": 40})
            pred.widget = TypedCodes()
            succ.help_text = _("The WBS code of the work item that waits.")
            pred.help_text = _("WBS codes, separated by commas.")


class ProgressForm(forms.Form):
    """Report progress on a work item."""

    data_date = date_field(_("Status date"))
    percent_complete = forms.IntegerField(label=_("Percent complete"), min_value=0, max_value=100)
    actual_start = date_field(_("Actual start"), required=False)
    actual_finish = date_field(_("Actual finish"), required=False)
    remaining_duration = forms.IntegerField(
        label=_("Remaining working days"), required=False, min_value=0, max_value=MAX_DAYS
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    blocker = forms.CharField(
        label=_("Blocked by (what or whom it waits for)"), required=False, max_length=300
    )


class BaselineForm(forms.Form):
    """Take a baseline."""

    name = forms.CharField(label=_("Name"), max_length=100)


class WorkItemFilterForm(forms.Form):
    """Filters of the work-item table."""

    agency = forms.CharField(label=_("Agency"), required=False, max_length=100)
    critical = forms.BooleanField(label=_("Critical only"), required=False)
    late = forms.BooleanField(label=_("Late only"), required=False)
    blocked = forms.BooleanField(label=_("Blocked only"), required=False)


class ImportForm(forms.Form):
    """Upload a schedule file."""

    format = forms.ChoiceField(label=_("Format"), choices=ExchangeFormat.choices)
    file = forms.FileField(label=_("File"))


class FulfilmentForm(forms.Form):
    """Record a delivery against a commitment."""

    date = date_field(_("Date"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=18, decimal_places=2)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ActualForm(forms.Form):
    """Record an indicator measurement."""

    date = date_field(_("Date"))
    value = forms.DecimalField(label=_("Value"), max_digits=18, decimal_places=4)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ProposalForm(forms.Form):
    """A partner proposes a change to the plan."""

    kind = forms.ChoiceField(label=_("What to change"), choices=ProposalKind.choices)
    agency = forms.ModelChoiceField(
        label=_("On behalf of"), queryset=Agency.objects.none(), to_field_name="slug"
    )
    wbs = forms.CharField(
        label=_("Work item (WBS)"),
        max_length=40,
        required=False,
        help_text=_("The work item to change, or the code of the new work item."),
    )
    title = forms.CharField(label=_("Title of the new work item"), max_length=200, required=False)
    duration = forms.IntegerField(
        label=_("Duration (working days)"), min_value=0, max_value=MAX_DAYS, required=False
    )
    earliest_start = date_field(_("Start no earlier than"), required=False)
    clear_earliest_start = forms.BooleanField(
        label=_("Remove the start constraint"), required=False
    )
    deadline = date_field(_("Deadline"), required=False)
    clear_deadline = forms.BooleanField(label=_("Remove the deadline"), required=False)
    predecessor = forms.CharField(label=_("Predecessor (WBS)"), max_length=40, required=False)
    successor = forms.CharField(label=_("Successor (WBS)"), max_length=40, required=False)
    type = forms.ChoiceField(label=_("Type"), choices=LinkType.choices, initial="FS")
    lag = forms.IntegerField(
        label=_("Lag (working days)"), initial=0, min_value=-MAX_DAYS, max_value=MAX_DAYS
    )
    dependency = forms.ModelChoiceField(
        label=_("Dependency to remove"), queryset=Agency.objects.none(), required=False
    )
    reason = forms.CharField(
        label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, agencies: Any, dependencies: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = agencies  # type: ignore[attr-defined]
        self.fields["dependency"].queryset = dependencies  # type: ignore[attr-defined]
        first = agencies.first()
        if first is not None:
            self.fields["agency"].initial = first.slug


class DecisionForm(forms.Form):
    """The coordinator's note when accepting or rejecting a proposal."""

    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
