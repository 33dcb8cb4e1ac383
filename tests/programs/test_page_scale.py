"""The programme page at national scale: agency pickers that do not list the country's
agencies, links a page at a time, each link's sentence as before."""

from __future__ import annotations

import re
from typing import Any

SPAM = "SPAM-SANGGAU-2026"


def test_page_lists_no_agency_beyond_the_programme_at_national_scale(
    client_as: Any, monkeypatch: Any
) -> None:
    """With more active agencies than a <select> may hold (20,000 at national scale; here
    the limit is lowered below the demo's 49), the partner form searches and the other
    agency lists hold only the programme's own agencies."""
    from sinergi.agencies.models import Agency
    from sinergi.programs.models import Program

    monkeypatch.setattr("sinergi.agencies.picker.LIST_MAX", 5)
    program = Program.objects.get(code=SPAM)
    partners = program.partnerships.values_list("agency__slug", flat=True)
    parties = {program.coordinator.slug, *partners}
    others = set(Agency.objects.values_list("slug", flat=True)) - parties
    html = client_as("pupr").get(f"/program/{SPAM}/").content.decode()
    assert 'id="add-partner"' in html  # the owner's forms are there
    assert 'hx-get="/instansi/pilih/?field=agency"' in html
    options = set(re.findall(r'<option value="([^"]*)"', html))
    assert options & parties
    assert not options & others


def test_links_are_listed_a_page_at_a_time_with_their_sentence(
    client_as: Any, monkeypatch: Any
) -> None:
    from sinergi.programs.models import Dependency

    monkeypatch.setattr("sinergi.programs.views.DEPENDENCIES_PER_PAGE", 3)
    links = list(Dependency.objects.filter(program__code=SPAM).order_by("pk"))
    assert len(links) > 3
    client = client_as("pupr")
    first = client.get(f"/program/{SPAM}/").content.decode()
    deps = first.split('id="deps-h"')[1].split("</table>")[0]
    assert deps.count("<tr><td><code>") == 3
    assert "dpage=2" in first
    second = client.get(f"/program/{SPAM}/?dpage=2&critical=on").content.decode()
    deps2 = second.split('id="deps-h"')[1].split("</table>")[0]
    link = links[3]
    assert f"<code>{link.successor.wbs}</code> {link.successor.title}" in deps2
    # The sentence in words, as the template wrote it (FS: "mulai setelah … selesai").
    assert f"{link.successor.wbs} " in deps2 and f" {link.predecessor.wbs}" in deps2
    assert "critical=on&amp;dpage=1" in second or "critical=on&dpage=1" in second
