"""Every write of the coordination app, one module per entity: requests and their
lifecycle, the SLA clock and escalation, local holidays and escalation policies, meetings,
attachments and calendar feeds (webhooks and preferences live in
``sinergi.notifications.services``).

Every public name is re-exported here, so ``from sinergi.coordination.services import
request_submit`` works for every caller."""

from .attachments import attachment_add
from .calendars import holiday_add, holiday_remove
from .clock import paused_working_days, policy_offsets, request_step_moments, working_days_left
from .common import BODY_MAX, SUBJECT_MAX, S, region_tz_default
from .escalation import escalate_due, policy_set, request_apply_steps, step_recipients
from .feeds import feed_create, feed_revoke, feed_token_hash
from .meetings import (
    action_item_add,
    attendance_add,
    decision_add,
    meeting_create,
    meeting_ics,
    meeting_update,
)
from .requests import (
    EVENT_KINDS,
    HANDLER_ACTIONS,
    REQUEST_ACTIONS,
    REQUESTER_ACTIONS,
    TRANSITIONS,
    RequestAction,
    request_acknowledge,
    request_answer,
    request_clarify,
    request_close,
    request_decline,
    request_extend,
    request_forward,
    request_message,
    request_reopen,
    request_respond,
    request_start,
    request_submit,
)

__all__ = [
    "BODY_MAX",
    "HANDLER_ACTIONS",
    "REQUESTER_ACTIONS",
    "S",
    "SUBJECT_MAX",
    "TRANSITIONS",
    "action_item_add",
    "attachment_add",
    "attendance_add",
    "decision_add",
    "escalate_due",
    "feed_create",
    "feed_revoke",
    "feed_token_hash",
    "holiday_add",
    "holiday_remove",
    "meeting_create",
    "meeting_ics",
    "meeting_update",
    "paused_working_days",
    "policy_offsets",
    "policy_set",
    "region_tz_default",
    "EVENT_KINDS",
    "REQUEST_ACTIONS",
    "RequestAction",
    "request_acknowledge",
    "request_start",
    "request_answer",
    "request_decline",
    "request_clarify",
    "request_respond",
    "request_forward",
    "request_extend",
    "request_close",
    "request_reopen",
    "request_apply_steps",
    "request_message",
    "request_step_moments",
    "request_submit",
    "step_recipients",
    "working_days_left",
]
