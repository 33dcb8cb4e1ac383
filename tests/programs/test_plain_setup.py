"""Programme setup in plain words and the Gantt's opening position (issue 18): a suggested
code, labelled plan forms with link types in words, predecessors picked from the items,
and a chart that opens at today or the first late item with sticky row labels."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

import pytest

SPAM = "SPAM-SANGGAU-2026"
BASE = f"/program/{SPAM}"

pytestmark = pytest.mark.django_db


def test_code_is_suggested_from_the_title_and_year() -> None:
    from sinergi.programs.forms import suggest_program_code

    assert suggest_program_code("Pembangunan SPAM Sanggau", 2026) == "SPAM-SANGGAU-2026"
    assert suggest_program_code("Percepatan penurunan stunting di Kapuas", 2027) == (
        "PENURUNAN-STUNTING-KAPUAS-2027"
    )
    # Accents and punctuation go; an empty title still gives a valid code.
    assert suggest_program_code("Jalan Tayan–Piasak (ruas 2)", 2026) == "JALAN-TAYAN-PIASAK-2026"
    assert suggest_program_code("dan di ke", None) == "PROGRAM-BARU"


def test_a_program_created_without_a_code_gets_a_free_suggested_one(client_as: Any) -> None:
    from sinergi.programs.models import Program

    pupr = client_as("pupr")
    page = pupr.get("/program/baru/").content.decode()
    assert "data-suggest-code" in page and "programs/programs.js" in page
    form = {
        "code": "",
        "title": "Perluasan SPAM IKK Kapuas",
        "coordinator": "dpupr-sanggau",
        "status": "planning",
        "visibility": "internal",
        "planned_start": "2026-03-02",
        "budget": "0",
    }
    first = pupr.post("/program/baru/", form)
    assert first.status_code == 302
    second = pupr.post("/program/baru/", form)
    assert second.status_code == 302
    codes = set(Program.objects.filter(title=form["title"]).values_list("code", flat=True))
    assert {"PERLUASAN-SPAM-IKK-2026", "PERLUASAN-SPAM-IKK-2026-2"} <= codes
    # An expert's own code is kept.
    own = pupr.post("/program/baru/", {**form, "code": "AIR-2026"})
    assert own.status_code == 302 and own["Location"] == "/program/AIR-2026/"


def test_plan_forms_are_labelled_in_words_with_unique_ids(client_as: Any) -> None:
    page = client_as("pupr").get(f"{BASE}/").content.decode()
    ids = Counter(re.findall(r'\sid="([^"]+)"', page))
    assert [i for i, n in ids.items() if n > 1] == []
    # Every input of the add forms has a label pointing at it.
    for form_id in ("item-wbs", "item-owner", "link-successor", "link-predecessor", "link-lag"):
        assert f'for="{form_id}"' in page and f'id="{form_id}"' in page
    assert 'for="partner-agency"' in page and 'for="link-predecessor-filter"' in page
    # Link types in words (Indonesian by default), the code kept for experts.
    for words in (
        "mulai setelah … selesai (FS)",
        "mulai bersamaan dengan … (SS)",
        "selesai bersamaan dengan … (FF)",
        "selesai setelah … mulai (SF)",
    ):
        assert words in page
    assert "boleh negatif untuk tumpang tindih" in page
    # Predecessors are picked from the items, not typed.
    picker = page.split('id="link-predecessor"')[1].split("</select>")[0]
    assert 'value="5.1"' in picker and "Mobilisasi" in picker
    # The owner list says partners come first and links to adding one.
    assert 'href="#add-partner"' in page and 'id="add-partner"' in page
    # Existing links read as sentences.
    assert "mulai setelah selesainya" in page


def test_several_predecessors_at_once_all_or_nothing(client_as: Any) -> None:
    from sinergi.programs.models import Dependency

    pupr = client_as("pupr")
    links = Dependency.objects.filter(program__code=SPAM)
    before = links.count()
    r = pupr.post(
        f"{BASE}/ketergantungan/",
        {"successor": "6.2", "predecessor": ["1.3", "2.2"], "type": "SS", "lag": "-2"},
    )
    assert r.status_code == 302
    made = links.filter(successor__wbs="6.2", predecessor__wbs__in=["1.3", "2.2"])
    assert sorted((d.predecessor.wbs, d.type, d.lag) for d in made) == [
        ("1.3", "SS", -2),
        ("2.2", "SS", -2),
    ]
    # One unknown code: nothing is linked and the message names it.
    count = links.count()
    r = pupr.post(
        f"{BASE}/ketergantungan/",
        {"successor": "6.2", "predecessor": ["1.4", "9.9"], "type": "FS", "lag": "0"},
    )
    assert links.count() == count == before + 2
    page = pupr.get(r["Location"]).content.decode()
    assert "9.9" in page.split('class="message error"')[1].split("</p>")[0]


def test_gantt_opens_at_today_with_sticky_labels(client_as: Any) -> None:
    from sinergi.core.clock import now
    from sinergi.programs.gantt import PX_PER_DAY, gantt_layout
    from sinergi.programs.models import Program
    from sinergi.programs.scheduling import local_today, program_schedule

    page = client_as("pupr").get(f"{BASE}/gantt/?zoom=week").content.decode()
    labels = page.split('class="gantt-labels"')[1].split("</ol>")[0]
    assert labels.count("<li") == 28 and "<code>5.1</code>" in labels
    # The labels are drawn once, beside the chart, not inside the SVG.
    assert 'class="label"' not in page
    program = Program.objects.get(code=SPAM)
    ps = program_schedule(program, now=now())
    today = local_today(program, now())
    layout = gantt_layout(ps, zoom="week", today=today)
    assert f'data-focus-x="{layout.focus_x}"' in page
    assert f'data-today-x="{layout.today_x}"' in page
    first = min(i.start for i in ps.items)
    last = max(i.finish for i in ps.items)
    if first <= today <= last:
        assert layout.focus_x == layout.today_x and layout.focus_item is None
    assert layout.today_x == round((today - first + dt.timedelta(days=3)).days * PX_PER_DAY["week"])


def test_gantt_focus_is_the_first_late_item_outside_the_programme() -> None:
    from sinergi.programs.gantt import gantt_focus
    from sinergi.programs.models import Program
    from sinergi.programs.scheduling import program_schedule

    ps = program_schedule(
        Program.objects.get(code=SPAM), now=dt.datetime(2026, 11, 2, tzinfo=dt.UTC)
    )
    late = [i for i in ps.items if i.late and i.actual_finish is None]
    assert late, "the demo programme has late items"
    after = max(i.finish for i in ps.items) + dt.timedelta(days=30)
    assert gantt_focus(ps.items, today=after) == (late[0].start, late[0])
    inside = min(i.start for i in ps.items) + dt.timedelta(days=1)
    assert gantt_focus(ps.items, today=inside) == (inside, None)


def test_a_start_milestone_is_on_the_programme_start(now: dt.datetime) -> None:
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.programs import services
    from sinergi.programs.scheduling import program_schedule

    pupr = User.objects.get(username="pupr")
    agency = Agency.objects.get(slug="dpupr-sanggau")
    start = dt.date(2026, 3, 2)  # a Monday
    program = services.program_create(
        actor=pupr,
        code="MILESTONE-2026",
        title="Uji tonggak",
        coordinator=agency,
        planned_start=start,
        now=now,
    )
    kick = services.workitem_create(
        actor=pupr, program=program, wbs="0", title="Mulai", owner=agency, duration=0, now=now
    )
    work = services.workitem_create(
        actor=pupr, program=program, wbs="1", title="Kerja", owner=agency, duration=5, now=now
    )
    services.dependency_add(actor=pupr, predecessor=kick, successor=work, type="FS", lag=0, now=now)
    ps = program_schedule(program, now=dt.datetime(2026, 1, 5, 2, tzinfo=dt.UTC))
    by_wbs = {i.wbs: i for i in ps.items}
    assert by_wbs["0"].milestone and by_wbs["0"].start == start == by_wbs["0"].finish
    assert by_wbs["1"].start == start
