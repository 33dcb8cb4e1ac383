"""Permission rules of the programs app.

The coordinator agency (manager or above) changes the plan; a partner's staff report
progress on their own agency's work items; leaders see everything in their region through
``Program.objects.visible_to``.
"""

from __future__ import annotations

from typing import Any

from sinergi.agencies.selectors import role_in, user_memberships
from sinergi.core.permissions import Role, rule


def _at_least(user: Any, agency: Any, role: Role) -> bool:
    found = role_in(user, agency)
    return found is not None and found >= role


def is_party(program: Any, agency_id: int) -> bool:
    """Whether the agency coordinates or partners in the program."""
    return bool(
        program.coordinator_id == agency_id
        or program.partnerships.filter(agency_id=agency_id).exists()
    )


@rule("program.create")
def can_create_program(user: Any, coordinator: Any) -> bool:
    """A manager or above of the coordinating agency sets up a program."""
    return coordinator is not None and _at_least(user, coordinator, Role.MANAGER)


@rule("program.start")
def can_start_program(user: Any, _obj: Any) -> bool:
    """Whoever may set up a program for at least one of their agencies (a manager or
    above) is offered the form."""
    return bool(coordinator_choices(user))


def coordinator_choices(user: Any) -> list[Any]:
    """The user's agencies that may coordinate a new program (rule ``program.create``)."""
    return [m.agency for m in user_memberships(user) if can_create_program(user, m.agency)]


@rule("program.change")
def can_change_program(user: Any, program: Any) -> bool:
    """The coordinator agency's managers (and above) change the program and its plan."""
    return _at_least(user, program.coordinator, Role.MANAGER)


@rule("workitem.progress")
def can_report_progress(user: Any, item: Any) -> bool:
    """Staff of the owner agency report progress; so does whoever may change the plan."""
    if can_change_program(user, item.program):
        return True
    return _at_least(user, item.owner, Role.STAFF) and is_party(item.program, item.owner_id)


@rule("commitment.fulfil")
def can_fulfil_commitment(user: Any, commitment: Any) -> bool:
    """The pledging partner's staff record deliveries; so does the coordinator."""
    if can_change_program(user, commitment.program):
        return True
    return _at_least(user, commitment.partnership.agency, Role.STAFF)


@rule("indicator.record")
def can_record_indicator(user: Any, indicator: Any) -> bool:
    """Staff of the coordinator agency record indicator actuals."""
    return _at_least(user, indicator.program.coordinator, Role.STAFF)


def proposer_agencies(user: Any, program: Any) -> list[Any]:
    """The program's partner agencies in which the user is staff or above."""
    return [
        p.agency
        for p in program.partnerships.select_related("agency").order_by("agency__name")
        if _at_least(user, p.agency, Role.STAFF)
    ]


@rule("program.propose")
def can_propose(user: Any, program: Any) -> bool:
    """Staff (or above) of a partner agency propose changes to the plan."""
    return bool(proposer_agencies(user, program))


@rule("proposal.decide")
def can_decide_proposal(user: Any, proposal: Any) -> bool:
    """Whoever changes the plan accepts or rejects proposals."""
    return can_change_program(user, proposal.program)
