"""The bell in the browser: the PUPR officer finishes a work item and the agency waiting on
it sees its bell count go up on the page it has open, without reloading (htmx polling)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SPAM = "/program/SPAM-SANGGAU-2026"


def test_finished_work_item_raises_the_waiting_agencys_bell(
    browser: Any,
    live_server: Any,
    page: Any,
    sign_in: Any,
    problems: Any,
    settings: Any,
    shots: Path,
) -> None:
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency, Membership
    from sinergi.core.clock import now
    from sinergi.programs.models import WorkItem

    settings.SINERGI_BELL_POLL_SECONDS = 1  # the page asks every second instead of 20
    at = now()
    waiting_user = User.objects.create_user(username="perkim", email="perkim@x.invalid")
    Membership.objects.create(
        user=waiting_user,
        agency=Agency.objects.get(slug="perkimtan-sanggau"),
        role="staff",
        created_at=at,
        updated_at=at,
    )
    context = browser.new_context(locale="id-ID", base_url=live_server.url)
    waiting = context.new_page()
    problems.attach(waiting)
    sign_in(waiting, "perkim")
    waiting.goto(f"{SPAM}/")
    bell = waiting.locator("#notification-bell a.bell")
    expect(bell).to_be_visible()
    before = int(bell.get_attribute("data-unread") or "0")

    item = WorkItem.objects.get(program__code="SPAM-SANGGAU-2026", wbs="5.6")
    sign_in(page, "pupr")
    page.goto(f"{SPAM}/kegiatan/{item.pk}/progres/")
    day = page.locator("input[name=data_date]").input_value()
    page.locator("input[name=percent_complete]").fill("100")
    page.locator("input[name=actual_start]").fill(day)
    page.locator("input[name=actual_finish]").fill(day)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    item.refresh_from_db()
    assert item.status == "completed"

    # The open page of the waiting agency updates by itself.
    expect(waiting.locator("#notification-bell a.bell")).to_have_attribute(
        "data-unread", str(before + 1), timeout=15_000
    )
    waiting.screenshot(path=str(shots / "notifications-bell.png"))
    waiting.locator("#notification-bell a.bell").click()
    expect(waiting.locator("#notification-list")).to_contain_text("siap dimulai")
    assert not problems.console_errors, problems.console_errors
    context.close()
