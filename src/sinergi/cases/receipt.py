"""The receipt (tanda terima) of an application as a one-page A4 PDF.

The citizen downloads it after filing (or after tracking), and the front-door officer
prints it at the counter. It holds what the citizen needs to follow the case and nothing
more: the code, the service, the documents received, the agencies and their time limits,
the expected finish date and how to track or complain. The NIK, the phone number and the
email address are left out: a receipt gets photographed, forwarded and lost
(docs/decisions/cases-receipt.md).
"""

from __future__ import annotations

from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from sinergi.coordination.calendars import region_tz
from sinergi.core.pdf import latin1

from .choices import DocumentSource
from .models import Case


def receipt_lines(case: Case) -> dict[str, Any]:
    """The receipt's content as plain, translated text (also what the tests read)."""
    version = case.version
    front = case.service.front_agency
    filed = case.filed_at.astimezone(region_tz(front.region))
    documents = [
        d.label
        for d in case.documents.filter(source=DocumentSource.FILING).order_by("uploaded_at", "pk")
    ]
    steps = []
    for number, group in enumerate(version.groups(), start=1):
        names = {s["agency"]: s for s in group}
        agencies = _agency_names(list(names))
        for step in group:
            steps.append(
                _("%(n)d. %(agency)s: %(title)s (%(days)d working days)")
                % {
                    "n": number,
                    "agency": agencies.get(step["agency"], step["agency"]),
                    "title": step["title"],
                    "days": int(step["days"]),
                }
            )
    facts = [
        (_("Service"), version.name),
        (_("Front door"), front.name),
        (_("Applicant"), case.applicant_name or "-"),
        (_("Filed"), formats.date_format(filed, "j F Y H:i")),
        (_("Time limit"), _("%(n)d working days") % {"n": version.total_days}),
        (_("Expected finish"), formats.date_format(case.due_date, "j F Y")),
        (_("Fee"), version.fee or "-"),
        (_("Product"), version.product or "-"),
        (_("Complaints"), version.complaint_channel or "-"),
    ]
    return {
        "title": _("Application receipt"),
        "code": case.code,
        "facts": facts,
        "documents": documents,
        "steps": steps,
        "track": _(
            "Follow this application at /layanan/lacak/ with the tracking code and the last "
            "four digits of your phone number or NIK. Keep this receipt: the code is not "
            "sent again."
        ),
    }


def _agency_names(slugs: list[str]) -> dict[str, str]:
    from sinergi.agencies.models import Agency

    return dict(Agency.objects.filter(slug__in=slugs).values_list("slug", "name"))


def receipt_pdf(case: Case) -> bytes:
    """The receipt as a PDF (fpdf2, built-in Helvetica, no external call)."""
    from fpdf import FPDF

    lines = receipt_lines(case)
    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(latin1(f"{lines['title']} {case.code}"))
    pdf.set_creator("Sinergi")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_margins(18, 18, 18)
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(size: float, value: str, *, bold: bool = False, height: float = 6) -> None:
        pdf.set_font("Helvetica", "B" if bold else "", size)
        pdf.multi_cell(0, height, latin1(value), new_x="LMARGIN", new_y="NEXT")

    text(16, lines["title"].upper(), bold=True, height=8)
    text(10, case.service.front_agency.name)
    pdf.ln(4)
    text(10, _("Tracking code"))
    pdf.set_font("Courier", "B", 20)
    pdf.cell(width, 11, latin1(case.code), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for label, value in lines["facts"]:
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(45, 6, latin1(label))
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(width - 45, 6, latin1(str(value)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    text(11, _("Documents received"), bold=True, height=7)
    for label in lines["documents"] or [_("None")]:
        text(10, f"- {label}")
    pdf.ln(3)
    text(11, _("Who works on it, in order"), bold=True, height=7)
    for step in lines["steps"]:
        text(10, step)
    pdf.ln(4)
    text(9, lines["track"], height=5)
    return bytes(pdf.output())
