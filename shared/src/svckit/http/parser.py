"""How every service reads a request's arguments: strict, bounded, in the system's years.

flask-smorest parses ``@blp.arguments`` with webargs; svckit's parser (installed on
``flask_smorest.Blueprint`` by :mod:`svckit.http.app`, so every blueprint of every
service uses it) adds the edge rules once for all operations:

- a ``files`` argument is the whole multipart body, its file and text parts in one schema;
- a body sent with a content type other than JSON where JSON is expected: **415**;
- JSON types are strict: a boolean field takes ``true``/``false`` only (not ``"yes"``,
  ``1``), an integer field an integer (not ``"12"``, ``true`` or ``1.5``), a string field
  a string, a list a list, an object an object (422, field by field);
- every date and datetime, in the body and the query, lies within the system's years
  (:data:`svckit.domain.clock.MIN_YEAR`..:data:`~svckit.domain.clock.MAX_YEAR`), the
  same rule the event catalogue applies, so nothing the API accepts is refused
  downstream (422).

JSON nesting depth is bounded before any parsing (``svckit.http.app``: 400).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import marshmallow as ma
from flask import Request
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import CombinedMultiDict
from werkzeug.exceptions import UnsupportedMediaType

from svckit.domain.clock import YEAR_MESSAGE, dates_out_of_range

MUST_BE_BOOLEAN = "必须是 true 或 false (must be a JSON boolean)"
MUST_BE_INTEGER = "必须是整数 (must be a JSON integer)"
MUST_BE_NUMBER = "必须是数字 (must be a JSON number)"
MUST_BE_STRING = "必须是文本 (must be a JSON string)"
MUST_BE_LIST = "必须是列表 (must be a JSON array)"
MUST_BE_OBJECT = "必须是对象 (must be a JSON object)"


def _strict_errors(schema: ma.Schema, data: object) -> dict[str, Any]:
    """Marshmallow-shaped errors for JSON values of the wrong JSON type."""
    if not isinstance(data, Mapping):
        return {}
    errors: dict[str, Any] = {}
    for name, field in schema.fields.items():
        key = field.data_key or name
        if key not in data or field.dump_only:
            continue
        found = _field_errors(field, data[key])
        if found:
            errors[key] = found
    return errors


def _field_errors(field: ma.fields.Field[Any], value: object) -> Any:
    if value is None:
        return None  # allow_none is the schema's business
    if isinstance(field, ma.fields.Boolean):
        return None if isinstance(value, bool) else [MUST_BE_BOOLEAN]
    if isinstance(field, ma.fields.Integer):
        ok = isinstance(value, int) and not isinstance(value, bool)
        return None if ok else [MUST_BE_INTEGER]
    if isinstance(field, ma.fields.Number):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return None if ok else [MUST_BE_NUMBER]
    if isinstance(field, ma.fields.String | ma.fields.DateTime | ma.fields.Date
                  | ma.fields.Time | ma.fields.UUID):
        return None if isinstance(value, str) else [MUST_BE_STRING]
    if isinstance(field, ma.fields.Nested):
        nested = field.schema
        if field.many or getattr(nested, "many", False):
            if not isinstance(value, list):
                return [MUST_BE_LIST]
            found = {i: e for i, item in enumerate(value)
                     if (e := _strict_errors(nested, item) if isinstance(item, Mapping)
                         else [MUST_BE_OBJECT])}
            return found or None
        if not isinstance(value, Mapping):
            return [MUST_BE_OBJECT]
        return _strict_errors(nested, value) or None
    if isinstance(field, ma.fields.List | ma.fields.Tuple):
        if not isinstance(value, list):
            return [MUST_BE_LIST]
        inner = getattr(field, "inner", None)
        if inner is None:
            return None
        found = {i: e for i, item in enumerate(value) if (e := _field_errors(inner, item))}
        return found or None
    if isinstance(field, ma.fields.Dict):
        return None if isinstance(value, Mapping) else [MUST_BE_OBJECT]
    return None


class StrictParser(FlaskParser):
    def load_json(self, req: Request, schema: ma.Schema) -> Any:
        if req.mimetype and not req.is_json and (req.content_length or req.get_data()):
            raise UnsupportedMediaType(
                "请求体必须是 JSON，Content-Type 应为 application/json "
                "(the body must be JSON sent as application/json)"
            )
        return super().load_json(req, schema)

    def load_files(self, req: Request, schema: ma.Schema) -> Any:
        """A ``multipart/form-data`` body: its file parts and its text parts, one schema
        (OpenAPI 3 documents one request body per operation; a second argument read from
        ``form`` would be documented as Swagger 2's invalid ``in: formData``)."""
        parts: CombinedMultiDict[str, Any] = CombinedMultiDict(
            [req.files, req.form])  # type: ignore[list-item]
        return self._makeproxy(parts, schema)

    def pre_load(self, location_data: Mapping[str, Any], *, schema: ma.Schema,
                 req: Request, location: str) -> Mapping[str, Any]:
        if location == "json":
            errors = _strict_errors(schema, location_data)
            if errors:
                raise ma.ValidationError(errors)
        return location_data

    def _process_location_data(self, location_data: Any, schema: ma.Schema, req: Request,
                               location: str, unknown: str | None,
                               validators: Any) -> Any:
        data = super()._process_location_data(location_data, schema, req, location,
                                              unknown, validators)
        bad = dates_out_of_range(data)
        if bad:
            raise ma.ValidationError({path: [YEAR_MESSAGE] for path in bad})
        return data
