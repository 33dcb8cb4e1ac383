"""Forms of the cases app: the service standard, the application built from a service's
requirements, tracking, the citizen's answers and rating, the officers' actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sinergi.agencies.models import Agency

from .choices import SKM_ELEMENTS, SKM_SCALE, NotifyBy
from .models import ServiceVersion
from .services import Standard, Upload, max_upload_bytes

REQUIRED_WORDS = {"wajib", "required", "ya", "yes"}
OPTIONAL_WORDS = {"opsional", "optional", "tidak", "no"}


def _lines(text: str) -> list[list[str]]:
    return [
        [part.strip() for part in line.split("|")]
        for line in (text or "").splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


class ServiceForm(forms.Form):
    """A service standard with its requirements and steps written one per line."""

    slug = forms.SlugField(label=gettext_lazy("Slug (address)"), max_length=80, required=False)
    front_agency = forms.ModelChoiceField(
        label=gettext_lazy("Front-door agency"), queryset=Agency.objects.none(), required=False
    )
    name = forms.CharField(label=gettext_lazy("Name of the service"), max_length=200)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    field_lines = forms.CharField(
        label=gettext_lazy("Fields to fill"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("One per line: code | label | wajib or opsional"),
    )
    document_lines = forms.CharField(
        label=gettext_lazy("Documents to upload"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=gettext_lazy("One per line: code | name of the document | wajib or opsional"),
    )
    step_lines = forms.CharField(
        label=gettext_lazy("Steps at the agencies"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "One per line: group | agency slug | title | working days | document codes "
            "(comma separated). Steps with the same group run in parallel; groups in order."
        ),
    )
    verify_days = forms.IntegerField(
        label=gettext_lazy("Working days to verify"), min_value=1, max_value=30, initial=1
    )
    issue_days = forms.IntegerField(
        label=gettext_lazy("Working days to issue"), min_value=1, max_value=30, initial=1
    )
    fee = forms.CharField(label=gettext_lazy("Fee"), max_length=200)
    product = forms.CharField(label=gettext_lazy("Product"), max_length=200)
    complaint_channel = forms.CharField(label=gettext_lazy("Complaint channel"), max_length=300)
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"), widget=forms.Textarea(attrs={"rows": 3})
    )
    retention_days = forms.IntegerField(
        label=gettext_lazy("Keep documents for (days after closing)"),
        min_value=30,
        max_value=3650,
        initial=365,
    )

    def __init__(self, *args: Any, agencies: Any = None, new: bool = True, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if new:
            self.fields["slug"].required = True
            self.fields["front_agency"].required = True
            field = self.fields["front_agency"]
            if isinstance(field, forms.ModelChoiceField):
                field.queryset = agencies if agencies is not None else Agency.objects.none()
        else:
            del self.fields["slug"]
            del self.fields["front_agency"]

    @staticmethod
    def initial_from(version: ServiceVersion) -> dict[str, Any]:
        """The form's initial values from a version."""

        def req_line(r: dict[str, Any]) -> str:
            return (
                f"{r['code']} | {r['label']} | {'wajib' if r.get('required', True) else 'opsional'}"
            )

        return {
            "name": version.name,
            "description": version.description,
            "field_lines": "\n".join(req_line(r) for r in version.fields()),
            "document_lines": "\n".join(req_line(r) for r in version.documents()),
            "step_lines": "\n".join(
                f"{s['group']} | {s['agency']} | {s['title']} | {s['days']} | "
                + ", ".join(s.get("documents", []))
                for s in version.steps
            ),
            "verify_days": version.verify_days,
            "issue_days": version.issue_days,
            "fee": version.fee,
            "product": version.product,
            "complaint_channel": version.complaint_channel,
            "legal_basis": version.legal_basis,
            "retention_days": version.retention_days,
        }

    def _requirements(self, name: str, kind: str) -> list[dict[str, Any]]:
        out = []
        for number, parts in enumerate(_lines(self.cleaned_data.get(name, "")), start=1):
            if len(parts) < 2 or not parts[0] or not parts[1]:
                self.add_error(name, _("Line %(n)d: write code | label.") % {"n": number})
                continue
            flag = parts[2].lower() if len(parts) > 2 and parts[2] else "wajib"
            if flag not in REQUIRED_WORDS | OPTIONAL_WORDS:
                self.add_error(
                    name, _("Line %(n)d: the third part is wajib or opsional.") % {"n": number}
                )
                continue
            out.append(
                {
                    "code": parts[0],
                    "label": parts[1],
                    "kind": kind,
                    "required": flag in REQUIRED_WORDS,
                }
            )
        return out

    def _steps(self) -> list[dict[str, Any]]:
        out = []
        for number, parts in enumerate(_lines(self.cleaned_data.get("step_lines", "")), start=1):
            if len(parts) < 4:
                self.add_error(
                    "step_lines",
                    _("Line %(n)d: write group | agency | title | working days | documents.")
                    % {"n": number},
                )
                continue
            try:
                group, days = int(parts[0]), int(parts[3])
            except ValueError:
                self.add_error(
                    "step_lines",
                    _("Line %(n)d: the group and the working days are whole numbers.")
                    % {"n": number},
                )
                continue
            docs = [c.strip() for c in (parts[4] if len(parts) > 4 else "").split(",") if c.strip()]
            out.append(
                {
                    "group": group,
                    "agency": parts[1],
                    "title": parts[2],
                    "days": days,
                    "documents": docs,
                }
            )
        return out

    def standard(self) -> Standard | None:
        """The standard the form describes, or None with the errors on the form."""
        requirements = self._requirements("field_lines", "field") + self._requirements(
            "document_lines", "document"
        )
        steps = self._steps()
        if self.errors:
            return None
        d = self.cleaned_data
        return Standard(
            name=d["name"],
            description=d.get("description", ""),
            requirements=requirements,
            steps=steps,
            verify_days=d["verify_days"],
            issue_days=d["issue_days"],
            fee=d["fee"],
            product=d["product"],
            complaint_channel=d["complaint_channel"],
            legal_basis=d["legal_basis"],
            retention_days=d["retention_days"],
        )


class ApplicationForm(forms.Form):
    """An application: who applies, the service's fields and documents."""

    applicant_name = forms.CharField(
        label=gettext_lazy("Full name (as on the KTP)"), max_length=150
    )
    nik = forms.CharField(
        label=gettext_lazy("NIK"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        help_text=gettext_lazy("16 digits, as on the KTP or family card."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone"),
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=gettext_lazy("For example 0812 3456 7890. Its last four digits open tracking."),
    )
    email = forms.EmailField(label=gettext_lazy("Email (optional)"), required=False)
    notify_by = forms.ChoiceField(
        label=gettext_lazy("Messages about this application"),
        choices=NotifyBy.choices,
        initial=NotifyBy.WHATSAPP,
        required=False,
        help_text=gettext_lazy(
            "A short message to the phone number above whenever a step changes. It carries "
            "the tracking code, never your NIK."
        ),
    )

    def __init__(self, *args: Any, version: ServiceVersion, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.version = version
        for req in version.fields():
            self.fields[f"field_{req['code']}"] = forms.CharField(
                label=req["label"], max_length=500, required=False
            )
        limit = max_upload_bytes() // (1024 * 1024)
        for req in version.documents():
            self.fields[f"doc_{req['code']}"] = forms.FileField(
                label=req["label"],
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}),
                help_text=(
                    (_("Required.") if req.get("required", True) else _("Optional."))
                    + " "
                    + _("PDF, PNG or JPEG, at most %(n)d MB.") % {"n": limit}
                ),
            )

    def field_data(self) -> dict[str, str]:
        """The service's fields as typed."""
        return {
            r["code"]: self.cleaned_data.get(f"field_{r['code']}", "")
            for r in self.version.fields()
        }

    def uploads(self) -> list[Upload]:
        """The uploaded documents; at most the limit plus one byte is read of each, so an
        oversized file is refused without being read whole."""
        out = []
        for req in self.version.documents():
            f = self.cleaned_data.get(f"doc_{req['code']}")
            if f:
                out.append(Upload(req["code"], f.name, f.read(max_upload_bytes() + 1)))
        return out


class TrackForm(forms.Form):
    """Tracking code and the second factor."""

    code = forms.CharField(
        label=gettext_lazy("Tracking code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "placeholder": "SGU-2027-XXXX-XXXX"}),
    )
    factor = forms.CharField(
        label=gettext_lazy("Last four digits of your phone number or NIK"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ProvideForm(forms.Form):
    """The document a step asked the citizen for."""

    file = forms.FileField(label=gettext_lazy("Document"))
    note = forms.CharField(
        label=gettext_lazy("Note (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def upload(self) -> Upload:
        """The file as an upload (read up to the limit plus one byte)."""
        f = self.cleaned_data["file"]
        return Upload("tambahan", f.name, f.read(max_upload_bytes() + 1))


class RatingForm(forms.Form):
    """The SKM questionnaire: nine elements, 1–4."""

    comment = forms.CharField(
        label=gettext_lazy("Suggestion (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, label in SKM_ELEMENTS:
            self.fields[code] = forms.TypedChoiceField(
                label=label, choices=SKM_SCALE, coerce=int, widget=forms.RadioSelect
            )
        self.order_fields([c for c, _l in SKM_ELEMENTS] + ["comment"])

    def scores(self) -> list[int]:
        """The nine scores in element order."""
        return [int(self.cleaned_data[c]) for c, _l in SKM_ELEMENTS]


class StepActionForm(forms.Form):
    """An agency's action on its step."""

    body = forms.CharField(
        label=gettext_lazy("Text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    to_agency = forms.CharField(
        label=gettext_lazy("Competent agency (slug)"), max_length=100, required=False
    )


class ReasonForm(forms.Form):
    """A reason or a note."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class IssueForm(forms.Form):
    """The product issued to the citizen."""

    file = forms.FileField(label=gettext_lazy("Product document"), required=False)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)

    def upload(self) -> Upload | None:
        """The product file, if any."""
        f = self.cleaned_data.get("file")
        return Upload("produk", f.name, f.read(max_upload_bytes() + 1)) if f else None


class ComplaintForm(forms.Form):
    """A complaint about a case, with the SP4N-LAPOR! reference if it was also filed there."""

    body = forms.CharField(
        label=gettext_lazy("Your complaint"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    lapor_ref = forms.CharField(
        label=gettext_lazy("SP4N-LAPOR! reference (optional)"),
        max_length=40,
        required=False,
        help_text=gettext_lazy("If you also filed it at lapor.go.id, its tracking number."),
    )
