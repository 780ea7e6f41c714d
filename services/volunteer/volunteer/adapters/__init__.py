"""Adapters of the volunteer service: ORM mapping and repositories."""
