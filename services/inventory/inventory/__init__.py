"""Inventory & rental stations service (辅具租赁)."""
