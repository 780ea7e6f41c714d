"""Adapters of the inventory service: ORM mapping and repositories."""
