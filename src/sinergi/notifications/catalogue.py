"""The published form of the events: one JSON schema file per event and version
(``schemas/events/<event>.v<n>.json``) and the table of docs/events.md, both written from
the registry so that the files, the docs and the code never disagree (a test checks)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .events import CATEGORIES, EVENTS, envelope_schema

SCHEMA_DIR = Path(__file__).parent / "schemas" / "events"
LINK = "../src/sinergi/notifications/schemas/events"  # from docs/events.md

#: The payload a channel gateway (WhatsApp, SMS) receives: one message for one person.
CHANNEL_MESSAGE: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sinergi.invalid/schemas/events/channel.message.v1.json",
    "title": "channel.message",
    "description": "A short Indonesian text for one person, for a gateway adapter to deliver.",
    "type": "object",
    "required": ["event", "version", "at", "channel", "to", "text", "source_event", "url"],
    "properties": {
        "event": {"const": "channel.message"},
        "version": {"const": 1},
        "at": {"type": "string", "format": "date-time"},
        "channel": {"enum": ["whatsapp", "sms"]},
        "to": {"type": "string", "pattern": r"^\+628[0-9]{7,11}$"},
        "text": {"type": "string", "maxLength": 300},
        "source_event": {"type": "string"},
        "url": {"type": "string"},
    },
    "additionalProperties": False,
}


def schemas() -> dict[str, dict[str, Any]]:
    """File name → schema, for every registered event and the channel message."""
    out = {f"{e.name}.v{e.version}.json": envelope_schema(e) for e in EVENTS.values()}
    out["channel.message.v1.json"] = CHANNEL_MESSAGE
    return out


def _plain(value: Any) -> Any:
    """Lazy translations (descriptions) as English text."""
    return json.loads(json.dumps(value, default=str))


def write_schemas(folder: Path = SCHEMA_DIR) -> list[Path]:
    """Write every schema file (sorted keys, two-space indent)."""
    from django.utils import translation

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with translation.override("en"):
        for name, schema in schemas().items():
            path = folder / name
            path.write_text(json.dumps(_plain(schema), indent=2, sort_keys=True) + "\n")
            written.append(path)
    return written


def events_table() -> str:
    """The Markdown table of docs/events.md: event, version, category, urgent, audience."""
    from django.utils import translation

    rows = ["| Event | v | Category | What happened | Schema |", "|---|---|---|---|---|"]
    with translation.override("en"):
        for e in sorted(EVENTS.values(), key=lambda e: e.name):
            flag = " **urgent: every channel**" if e.urgent else ""
            flag += " (always emailed)" if e.always_email else ""
            category = CATEGORIES[e.category].key
            rows.append(
                f"| `{e.name}` | {e.version} | {category} | {e.description}{flag} | "
                f"[schema]({LINK}/{e.name}.v{e.version}.json) |"
            )
    return "\n".join(rows)
