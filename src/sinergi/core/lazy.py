"""Modules imported at their first use rather than when the importing module loads.

DuckDB and PyArrow (about 60 MB resident together) are needed only when a dataset file is
read or written, yet the catalog's modules are imported by every web process (the URLconf
and the API load them) and by the worker. ``lazy_module("duckdb")`` stands for the module
and imports it when an attribute is first read; code uses it exactly like the module.
Type checkers see the real import (``if TYPE_CHECKING``).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """A stand-in for a module, imported on the first attribute access."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attr)

    def __repr__(self) -> str:
        state = "imported" if self._module is not None else "not imported yet"
        return f"<lazy module {self._name!r} ({state})>"


def lazy_module(name: str) -> Any:
    """A stand-in for module ``name`` that imports it when first used."""
    return LazyModule(name)
