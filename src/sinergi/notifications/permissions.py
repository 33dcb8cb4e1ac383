"""Permission rules of notifications: agency heads manage their webhooks; channel gateways
(WhatsApp, SMS) are set up by platform administrators only."""

from __future__ import annotations

from typing import Any

from sinergi.agencies.selectors import role_in
from sinergi.core.permissions import Role, rule


@rule("webhook.manage")
def can_manage_webhooks(user: Any, agency: Any) -> bool:
    """The head (or administrator) of an agency registers and removes its webhooks."""
    role = role_in(user, agency, inherited=False) if agency is not None else None
    return role is not None and role >= Role.HEAD


@rule("channel.manage")
def can_manage_channels(user: Any, webhook: Any) -> bool:
    """Only platform administrators (allowed everything by ``can``) manage gateways."""
    return False
