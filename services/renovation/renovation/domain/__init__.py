"""Renovation domain: pure rules and state machines (no Flask, no session, no clock).

Modules: ``programme`` (caps, deadlines), ``catalogue`` (items, quantities, line money),
``application`` (household case: eligibility, assessment, plan, device requests),
``workorder`` (contractors, work orders, inspections), ``deadlines`` (breach detection),
``events`` (domain events).
"""
