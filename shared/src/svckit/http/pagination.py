"""List pagination shared by every service: ``?page=&page_size=`` in, a page object out."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

#: the largest page any list returns (OWASP API4: no unbounded lists)
MAX_PAGE_SIZE = 100


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=100_000))
    page_size = fields.Integer(load_default=20,
                               validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


def paged(item: type[Schema], name: str) -> type[Schema]:
    """``{"items": [...], "total": n, "page": p, "page_size": s}`` of ``item``."""
    return type(name, (Schema,), {
        "items": fields.List(fields.Nested(item), required=True),
        "total": fields.Integer(required=True),
        "page": fields.Integer(required=True),
        "page_size": fields.Integer(required=True),
    })
