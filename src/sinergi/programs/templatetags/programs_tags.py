"""Template filters of the programs app."""

from typing import Any

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    """Look a key up in a mapping (``{{ colours|get_item:slug }}``)."""
    return mapping.get(key, "") if hasattr(mapping, "get") else ""
