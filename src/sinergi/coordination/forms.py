"""Forms of the coordination app; they validate input, services do the writes."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from sinergi.agencies.models import Agency
from sinergi.agencies.picker import AgencyField
from sinergi.core.forms import DateInput, TimeInput

from .choices import MeetingStatus, RequestKind, RequestPriority, RequestStatus
from .permissions import acts_for


def _agency_choices() -> list[tuple[str, str]]:
    return [(a.slug, a.name) for a in Agency.objects.filter(is_active=True).order_by("name")]


def own_agency_choices(user: Any) -> list[tuple[str, str]]:
    """Agencies the user may act for (platform admins: all)."""
    agencies = Agency.objects.filter(is_active=True).order_by("name")
    if user.is_superuser:
        return [(a.slug, a.name) for a in agencies]
    return [(a.slug, a.name) for a in agencies.filter(memberships__user=user) if acts_for(user, a)]


class RequestForm(forms.Form):
    """Write a request to another agency."""

    from_agency = forms.ChoiceField(label=_("From agency"))
    to_agency = AgencyField(label=_("To agency"))
    kind = forms.ChoiceField(label=_("Kind"), choices=RequestKind.choices)
    priority = forms.ChoiceField(
        label=_("Priority"), choices=RequestPriority.choices, initial=RequestPriority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(
        label=_("What do you need?"), max_length=20000, widget=forms.Textarea(attrs={"rows": 6})
    )
    program_code = forms.CharField(
        label=_("Program code"),
        max_length=60,
        required=False,
        help_text=_("Optional: the program or work item this request blocks."),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["from_agency"]).choices = own_agency_choices(user)


class FilterForm(forms.Form):
    """Filters of the request list."""

    box = forms.ChoiceField(
        label=_("Box"),
        required=False,
        choices=[("", _("All")), ("incoming", _("Incoming")), ("outgoing", _("Outgoing"))],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *RequestKind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *RequestStatus.choices]
    )
    overdue = forms.BooleanField(label=_("Overdue"), required=False)
    escalated = forms.BooleanField(label=_("Escalated"), required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    program_code = forms.CharField(label=_("Program code"), required=False, max_length=60)
    from_agency = forms.SlugField(label=_("From agency"), required=False, max_length=100)
    to_agency = forms.SlugField(label=_("To agency"), required=False, max_length=100)
    to_region = forms.RegexField(
        label=_("Region of the handling agency"),
        regex=r"^[0-9.]+(,[0-9.]+)*$",
        required=False,
        max_length=200,
        widget=forms.HiddenInput(),
    )
    submitted_from = forms.DateField(label=_("Submitted from"), required=False, widget=DateInput())
    submitted_to = forms.DateField(label=_("Submitted until"), required=False, widget=DateInput())
    answered = forms.ChoiceField(
        label=_("Answer"),
        required=False,
        choices=[
            ("", _("All")),
            ("yes", _("Answered")),
            ("no", _("Not answered")),
            ("on_time", _("Answered on time")),
            ("late", _("Answered late")),
        ],
    )


class ActionForm(forms.Form):
    """The text of a transition: an answer, a reason, a note; forward names an agency."""

    body = forms.CharField(
        label=_("Text"), required=False, max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )
    to_agency = forms.CharField(label=_("Competent agency"), required=False, max_length=100)


class MessageForm(forms.Form):
    """A message in the conversation."""

    body = forms.CharField(
        label=_("Message"), max_length=20000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MeetingForm(forms.Form):
    """Convene a coordination meeting."""

    convening_agency = forms.ChoiceField(label=_("Convening agency"))
    title = forms.CharField(label=_("Title"), max_length=200)
    date = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Starts"), widget=TimeInput())
    end = forms.TimeField(label=_("Ends"), widget=TimeInput())
    place = forms.CharField(label=_("Place"), max_length=200)
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    invited = forms.MultipleChoiceField(
        label=_("Invited agencies"), widget=forms.SelectMultiple(attrs={"size": 8})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["convening_agency"]).choices = own_agency_choices(user)
        cast(forms.ChoiceField, self.fields["invited"]).choices = _agency_choices()


class MinutesForm(forms.Form):
    """Minutes, status, place and time of a meeting."""

    status = forms.ChoiceField(label=_("Status"), choices=MeetingStatus.choices)
    # A new place or time sends the invited agencies an updated invitation.
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    date = forms.DateField(
        label=_("Date"),
        required=False,
        widget=DateInput(),
    )
    start = forms.TimeField(
        label=_("Starts"),
        required=False,
        widget=TimeInput(),
    )
    end = forms.TimeField(
        label=_("Ends"),
        required=False,
        widget=TimeInput(),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class AttendanceForm(forms.Form):
    """Someone who attended."""

    agency = forms.ChoiceField(label=_("Agency"))
    name = forms.CharField(label=_("Name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)

    def __init__(self, *args: Any, agencies: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["agency"]).choices = agencies


class DecisionForm(forms.Form):
    """A decision of the meeting."""

    text = forms.CharField(
        label=_("Decision"), max_length=20000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ActionItemForm(forms.Form):
    """An action item owned by an agency."""

    owner = forms.ChoiceField(label=_("Owner agency"))
    subject = forms.CharField(label=_("Action"), max_length=200)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())
    decision = forms.TypedChoiceField(
        label=_("Decision"), required=False, coerce=int, empty_value=None
    )

    def __init__(
        self,
        *args: Any,
        agencies: list[tuple[str, str]],
        decisions: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["owner"]).choices = agencies
        cast(forms.ChoiceField, self.fields["decision"]).choices = [("", "—"), *decisions]
