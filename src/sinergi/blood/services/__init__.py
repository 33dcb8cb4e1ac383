"""Every write of the blood app, one module per entity: permission check, validation,
write and audit in one transaction. Stock changes only through the ledger (``ledger``):
each movement locks its cell's balance row (``select_for_update``), so concurrent issues
can never take a cell below zero.

Every public name is re-exported here, so ``from sinergi.blood.services import
request_create`` works for every caller."""

from .bags import BagRecord, bag_update, bags_expire_due, unit_track_bags, unit_untrack_bags
from .donor_calls import donor_call_close, donor_call_create, donor_call_publish
from .dropping import dropping_create, dropping_decline, dropping_fulfil
from .ledger import (
    BAG_STATUS_OUT,
    DONATION_NUMBER_RE,
    MAX_BAGS_AT_ONCE,
    NewBag,
    clean_donation_numbers,
)
from .requests import (
    ANSWER_HOURS,
    CASE_NUMBER_RE,
    MIN_ANSWER,
    request_accept,
    request_allocate,
    request_create,
    request_decline,
    request_due_at,
    request_substitutes,
    requests_escalate_due,
)
from .simdondar import (
    PRODUCT_NAMES,
    StokdarahResult,
    looks_like_stokdarah,
    parse_stokdarah,
    read_stokdarah,
    stock_import_stokdarah,
)
from .stock import (
    MAX_IMPORT_ROWS,
    LevelsResult,
    parse_level_rows,
    stock_import_csv,
    stock_push_rows,
    stock_record_movement,
    stock_set_levels,
)
from .units import CELL_COLUMNS, MAX_BAGS, is_tracked, unit_configure

__all__ = [
    "PRODUCT_NAMES",
    "StokdarahResult",
    "looks_like_stokdarah",
    "parse_stokdarah",
    "read_stokdarah",
    "stock_import_stokdarah",
    "ANSWER_HOURS",
    "BAG_STATUS_OUT",
    "BagRecord",
    "CASE_NUMBER_RE",
    "CELL_COLUMNS",
    "DONATION_NUMBER_RE",
    "LevelsResult",
    "MAX_BAGS",
    "MAX_BAGS_AT_ONCE",
    "MAX_IMPORT_ROWS",
    "MIN_ANSWER",
    "NewBag",
    "bag_update",
    "bags_expire_due",
    "clean_donation_numbers",
    "donor_call_close",
    "donor_call_create",
    "donor_call_publish",
    "dropping_create",
    "dropping_decline",
    "dropping_fulfil",
    "is_tracked",
    "parse_level_rows",
    "request_accept",
    "request_allocate",
    "request_create",
    "request_decline",
    "request_due_at",
    "request_substitutes",
    "requests_escalate_due",
    "stock_import_csv",
    "stock_push_rows",
    "stock_record_movement",
    "stock_set_levels",
    "unit_configure",
    "unit_track_bags",
    "unit_untrack_bags",
]
