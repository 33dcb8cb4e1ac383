"""Every write of the programs app, one module per entity: permission check, validation,
write, plan version and audit entry in one transaction.

Every public name is re-exported here, so ``from sinergi.programs.services import
program_create`` works for every caller."""

from .baselines import baseline_take
from .commitments import commitment_add, commitment_fulfil
from .dependencies import check_acyclic, dependency_add, dependency_remove
from .indicators import indicator_add, indicator_record
from .programs import (
    PROGRAM_FIELDS,
    bump_plan,
    program_add_partner,
    program_create,
    program_remove_partner,
    program_update,
)
from .progress import progress_record
from .proposals import proposal_accept, proposal_create, proposal_reject
from .workitems import ITEM_FIELDS, WBS_PATTERN, workitem_create, workitem_delete, workitem_update

__all__ = [
    "ITEM_FIELDS",
    "PROGRAM_FIELDS",
    "WBS_PATTERN",
    "baseline_take",
    "bump_plan",
    "check_acyclic",
    "commitment_add",
    "commitment_fulfil",
    "dependency_add",
    "dependency_remove",
    "indicator_add",
    "indicator_record",
    "program_add_partner",
    "program_create",
    "program_remove_partner",
    "program_update",
    "progress_record",
    "proposal_accept",
    "proposal_create",
    "proposal_reject",
    "workitem_create",
    "workitem_delete",
    "workitem_update",
]
