"""Permission rules of the coordination app.

Acting on a request needs a direct membership of staff or higher in the agency concerned
(viewers read only); leaders of a region see its requests and meetings, and manage its
local holidays and escalation policies.
"""

from __future__ import annotations

from typing import Any

from sinergi.agencies.selectors import is_leader, role_in
from sinergi.core.permissions import Role, rule


def acts_for(user: Any, agency: Any) -> bool:
    """Whether the user is staff or higher in the agency itself."""
    role = role_in(user, agency, inherited=False)
    return role is not None and role >= Role.STAFF


@rule("request.submit")
def can_submit(user: Any, from_agency: Any) -> bool:
    """Staff of the requesting agency write requests on its behalf."""
    return from_agency is not None and acts_for(user, from_agency)


@rule("request.handle")
def can_handle(user: Any, request: Any) -> bool:
    """Staff of the handling agency acknowledge, work on, answer, decline, forward, extend."""
    return acts_for(user, request.to_agency)


@rule("request.requester")
def can_act_as_requester(user: Any, request: Any) -> bool:
    """Staff of the requesting agency close or reopen their request."""
    return acts_for(user, request.from_agency)


@rule("request.message")
def can_message(user: Any, request: Any) -> bool:
    """Staff of either agency, and leaders of the region, write in the conversation."""
    return (
        acts_for(user, request.from_agency)
        or acts_for(user, request.to_agency)
        or is_leader(user, request.region.code)
    )


@rule("calendar.manage")
def can_manage_calendar(user: Any, region: Any) -> bool:
    """Leaders of a region set its local holidays and escalation policies."""
    return region is not None and is_leader(user, region.code)


@rule("meeting.convene")
def can_convene(user: Any, agency: Any) -> bool:
    """Staff of an agency convene meetings in its name."""
    return agency is not None and acts_for(user, agency)


@rule("meeting.change")
def can_change_meeting(user: Any, meeting: Any) -> bool:
    """Staff of the convening agency keep the minutes, decisions and action items."""
    return acts_for(user, meeting.convening_agency)


@rule("feed.manage")
def can_manage_feed(user: Any, feed: Any) -> bool:
    """A user manages their own calendar feeds."""
    return feed is not None and feed.user_id == user.pk
