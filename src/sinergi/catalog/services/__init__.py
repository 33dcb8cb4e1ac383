"""Every write of the catalog, one module per entity: datasets and their verification,
their versions, and data requests.

Every public name is re-exported here, so ``from sinergi.catalog.services import
dataset_create`` works for every caller."""

from .data_requests import data_request_create, data_request_fulfil
from .datasets import (
    EDITABLE,
    MAX_TAGS,
    METADATA_FIELDS,
    RESERVED_SLUGS,
    dataset_create,
    dataset_submit,
    dataset_update,
    dataset_verify,
    metadata_problems,
)
from .versions import (
    ORPHAN_MIN_AGE,
    discard_files,
    max_upload_bytes,
    sweep_orphan_files,
    version_push,
    version_set_units,
    version_upload,
    xlsx_limits,
)

__all__ = [
    "EDITABLE",
    "MAX_TAGS",
    "METADATA_FIELDS",
    "ORPHAN_MIN_AGE",
    "RESERVED_SLUGS",
    "data_request_create",
    "data_request_fulfil",
    "dataset_create",
    "dataset_submit",
    "dataset_update",
    "dataset_verify",
    "discard_files",
    "max_upload_bytes",
    "metadata_problems",
    "sweep_orphan_files",
    "version_push",
    "version_set_units",
    "version_upload",
    "xlsx_limits",
]
