"""The versioned catalogue of event payload schemas.

Every event the platform publishes is registered here with its type, version, producer,
payload schema and description. Producers validate before writing to the outbox;
consumers validate before handling. ``docs/events.md`` is generated from it.
"""

from __future__ import annotations

import builtins
import importlib
import pkgutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError

from svckit.domain.clock import YEAR_MESSAGE, dates_out_of_range


class UnknownEvent(LookupError):
    pass


class InvalidEvent(ValueError):
    """A payload that does not match its schema; ``messages`` is field-by-field."""

    def __init__(self, event_type: str, version: int, messages: Any) -> None:
        super().__init__(f"{event_type} v{version} payload invalid: {messages}")
        self.messages = messages


@dataclass(frozen=True)
class EventSpec:
    type: str
    version: int
    producer: str
    schema: builtins.type[Schema]
    description: str

    @property
    def key(self) -> tuple[str, int]:
        return (self.type, self.version)


class Catalogue:
    def __init__(self) -> None:
        self._specs: dict[tuple[str, int], EventSpec] = {}
        #: one schema instance per event and thread: building one deep-copies its fields,
        #: which cost more than the dump and load it serves (check-out profile)
        self._instances = threading.local()

    def _schema(self, spec: EventSpec) -> Schema:
        cache: dict[tuple[str, int], Schema] | None = getattr(self._instances, "by_key", None)
        if cache is None:
            cache = self._instances.by_key = {}
        schema = cache.get(spec.key)
        if schema is None:
            schema = cache[spec.key] = spec.schema()
        return schema

    def register(
        self, type: str, version: int, producer: str, description: str
    ) -> Any:
        """Class decorator: ``@catalogue.register("rental.checked_out", 1, "inventory", "…")``."""

        def deco(schema: builtins.type[Schema]) -> builtins.type[Schema]:
            spec = EventSpec(type, version, producer, schema, description)
            if spec.key in self._specs:
                raise ValueError(f"event {type} v{version} registered twice")
            self._specs[spec.key] = spec
            return schema

        return deco

    def get(self, type: str, version: int | None = None) -> EventSpec:
        if version is None:
            versions = [v for (t, v) in self._specs if t == type]
            if not versions:
                raise UnknownEvent(type)
            version = max(versions)
        try:
            return self._specs[(type, version)]
        except KeyError:
            raise UnknownEvent(f"{type} v{version}") from None

    def __iter__(self) -> Iterator[EventSpec]:
        return iter(sorted(self._specs.values(), key=lambda s: (s.producer, s.type, s.version)))

    def __contains__(self, key: object) -> bool:
        return key in self._specs

    def serialise(
        self, type: str, version: int | None, payload: dict[str, Any]
    ) -> tuple[EventSpec, dict[str, Any]]:
        """Dump Python values to JSON-able data and validate them against the schema.

        Used on publish: raises :class:`InvalidEvent` when the payload breaks the schema.
        """
        spec = self.get(type, version)
        schema = self._schema(spec)
        try:
            data = schema.dump(payload)
            _in_system_years(schema.load(data))
        except (ValidationError, ValueError, TypeError, AttributeError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else str(exc)
            raise InvalidEvent(type, spec.version, messages) from exc
        return spec, dict(data)

    def load(self, type: str, version: int, payload: dict[str, Any]) -> dict[str, Any]:
        """Validate a received payload; return it loaded (typed values)."""
        spec = self.get(type, version)
        try:
            return dict(_in_system_years(self._schema(spec).load(payload)))
        except ValidationError as exc:
            raise InvalidEvent(type, version, exc.messages) from exc


def _in_system_years(loaded: Any) -> Any:
    """The API's rule for dates, applied to events too (svckit.http.parser): nothing the
    API accepts is refused here, and nothing outside the system's years travels."""
    bad = dates_out_of_range(loaded)
    if bad:
        raise ValidationError({path: [YEAR_MESSAGE] for path in bad})
    return loaded


#: The platform's catalogue. The producer modules below register into it on import.
CATALOGUE = Catalogue()


def load_all() -> Catalogue:
    """Import every producer's module of this package (one per producing service) so the
    catalogue is complete."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")
    return CATALOGUE
