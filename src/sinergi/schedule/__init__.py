"""Sinergi's scheduling engine: critical path, working-day calendars, forecasts from
progress, comparison with a baseline, and delay attributed to agencies.

Pure Python and NumPy (Numba-compiled loops when Numba is importable); no Django.
"""

from .attribution import DelayAnalysis, StatusUpdate, Window, attribute_delay
from .baseline import BaselineComparison, TaskSlip, compare_baseline
from .calendar import Calendar, national_holidays
from .engine import ArrayResult, Structure, compile_structure, cpm_arrays, run
from .errors import ScheduleError
from .model import Link, LinkType, Task
from .network import Network
from .result import Schedule, TaskResult, schedule

__all__ = [
    "ArrayResult",
    "BaselineComparison",
    "Calendar",
    "DelayAnalysis",
    "Link",
    "LinkType",
    "Network",
    "Schedule",
    "ScheduleError",
    "StatusUpdate",
    "Structure",
    "Task",
    "TaskResult",
    "TaskSlip",
    "Window",
    "attribute_delay",
    "compare_baseline",
    "compile_structure",
    "cpm_arrays",
    "national_holidays",
    "run",
    "schedule",
]
