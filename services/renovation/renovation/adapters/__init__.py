"""Adapters of the renovation service: ORM mapping and repositories."""
