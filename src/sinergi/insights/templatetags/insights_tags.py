"""Template filters of the leader dashboard."""

from __future__ import annotations

from typing import Any

from django import template

from sinergi.insights.report import cell_text

register = template.Library()


@register.filter
def cell(value: Any) -> str:
    """A rakor report cell as the PDF writes it (decimal comma, dash for nothing)."""
    return cell_text(value)
