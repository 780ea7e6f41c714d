"""docs/events.md is generated from the catalogue and the handlers: it must not go stale."""

from __future__ import annotations

from pathlib import Path

from svckit.events.catalogue import load_all
from svckit.events.docs import consumers_by_type, render

DOC = Path(__file__).resolve().parents[1] / "docs" / "events.md"


def test_events_doc_is_current() -> None:
    expected = render(load_all(), consumers_by_type())
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/events.md is stale: run `.venv/bin/python -m svckit.events.docs > docs/events.md`"
    )


def test_every_consumed_event_is_in_the_catalogue_and_every_visit_request_is_consumed() -> None:
    catalogue = {s.type for s in load_all()}
    consumers = consumers_by_type()
    assert set(consumers) <= catalogue
    for spec in load_all():
        if "window_start" in spec.schema._declared_fields:  # asks volunteers for a visit
            assert "volunteer" in consumers.get(spec.type, []), spec.type
