"""Permission rules of the cases app.

Managers (or higher) of the front-door agency edit its service standards; its staff verify,
file at the counter and issue products; staff of an agency with a step act on that step.
Who may read a case and its personal data is ``Case.objects.visible_to``.
"""

from __future__ import annotations

from typing import Any

from sinergi.agencies.selectors import role_in
from sinergi.core.permissions import Role, rule


def _role_at_least(user: Any, agency: Any, role: Role) -> bool:
    found = role_in(user, agency, inherited=False) if agency is not None else None
    return found is not None and found >= role


@rule("service.create")
def can_create_service(user: Any, agency: Any) -> bool:
    """Managers of an agency publish service standards with it as the front door."""
    return _role_at_least(user, agency, Role.MANAGER)


@rule("service.change")
def can_change_service(user: Any, service: Any) -> bool:
    """Managers of the front-door agency write new versions of its standards."""
    return _role_at_least(user, service.front_agency, Role.MANAGER)


@rule("case.counter")
def can_file_at_counter(user: Any, agency: Any) -> bool:
    """Staff of the front-door agency file a case on a citizen's behalf."""
    return _role_at_least(user, agency, Role.STAFF)


@rule("case.front")
def can_run_front_door(user: Any, case: Any) -> bool:
    """Staff of the front-door agency verify, reject and issue."""
    return _role_at_least(user, case.service.front_agency, Role.STAFF)


@rule("case.step")
def can_act_on_step(user: Any, step: Any) -> bool:
    """Staff of the agency now handling a step answer it, ask for a document or pass it on."""
    return _role_at_least(user, step.agency, Role.STAFF)


@rule("case.complaint")
def can_answer_complaint(user: Any, case: Any) -> bool:
    """The head of the front-door agency answers complaints about its cases."""
    return _role_at_least(user, case.service.front_agency, Role.HEAD)
