"""Generate ``docs/events.md`` from the catalogue and the services' handlers.

    python -m svckit.events.docs > docs/events.md

A test compares the committed file with this output, so the document cannot go stale.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from marshmallow import Schema, fields

from svckit.events.catalogue import Catalogue, load_all
from svckit.events.catalogue.fields import Sealed


def _type_of(field: fields.Field[Any]) -> str:
    if isinstance(field, fields.Nested):
        nested = field.nested
        name = nested.__name__ if isinstance(nested, type) else type(nested).__name__
        return f"object ({name})"
    if isinstance(field, fields.List):
        return f"list of {_type_of(field.inner)}"
    if isinstance(field, Sealed):
        return "string, **sealed** (encrypted, ADR 0013)"
    return {
        fields.UUID: "uuid", fields.AwareDateTime: "datetime (UTC, ISO 8601)",
        fields.Date: "date", fields.Boolean: "boolean", fields.Integer: "integer",
        fields.Dict: "object",
    }.get(type(field), "string")


def _notes(field: fields.Field[Any]) -> str:
    parts = []
    for v in getattr(field, "validators", []):
        for attr in ("choices", "regex", "max", "min", "error"):
            value = getattr(v, attr, None)
            if attr == "regex" and value is not None:
                parts.append(f"`{value.pattern}`")
            elif attr == "choices" and value:
                parts.append("one of " + ", ".join(f"`{c}`" for c in value))
            elif attr in ("max", "min") and value is not None and type(v).__name__ != "Regexp":
                parts.append(f"{attr} {value}")
    if field.allow_none:
        parts.append("may be null")
    return "; ".join(dict.fromkeys(parts))


def _rows(schema: type[Schema]) -> Iterable[str]:
    for name, field in schema._declared_fields.items():
        required = "yes" if field.required else "no"
        yield f"| `{name}` | {_type_of(field)} | {required} | {_notes(field)} |"


def consumers_by_type() -> dict[str, list[str]]:
    from svckit.service import discover

    found: dict[str, list[str]] = {}
    for definition in discover():
        for event_type in definition.handlers.event_types:
            found.setdefault(event_type, []).append(definition.name)
    return found


def render(catalogue: Catalogue, consumers: dict[str, list[str]]) -> str:
    out = [
        "# Events",
        "",
        "Generated from the catalogue (`shared/src/svckit/events/catalogue/`) and the services'",
        "handlers by `python -m svckit.events.docs > docs/events.md`; a test fails when this",
        "file is stale. Every event travels in the same envelope: `id` (UUID), `type`,",
        "`version`, `occurred_at` (UTC), `producer`, `correlation_id`, `causation_id`,",
        "`subject_id` (events of one subject are published in commit order) and `payload`.",
        "The routing key is the type. Personal data is minimal and masked by the schemas;",
        "an address a volunteer must visit travels sealed (encrypted per field, ADR 0013).",
        "",
        "| event | v | producer | consumers |",
        "|---|---|---|---|",
    ]
    specs = list(catalogue)
    for s in specs:
        who = ", ".join(consumers.get(s.type, [])) or "—"
        out.append(f"| [`{s.type}`](#{s.type.replace('.', '')}-v{s.version}) | {s.version} "
                   f"| {s.producer} | {who} |")
    for s in specs:
        out += ["", f"## `{s.type}` v{s.version}", "",
                f"Producer: **{s.producer}**. Consumers: "
                f"{', '.join(consumers.get(s.type, [])) or 'none yet'}.", "", s.description, "",
                "| field | type | required | notes |", "|---|---|---|---|", *_rows(s.schema)]
        nested = [f for f in s.schema._declared_fields.values() if isinstance(f, fields.Nested)]
        for f in nested:
            inner = f.nested if isinstance(f.nested, type) else type(f.nested)
            out += ["", f"`{inner.__name__}`:", "", "| field | type | required | notes |",
                    "|---|---|---|---|", *_rows(inner)]
    return "\n".join(out) + "\n"


def main() -> int:
    sys.stdout.write(render(load_all(), consumers_by_type()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
