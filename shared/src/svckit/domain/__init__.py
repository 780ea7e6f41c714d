"""Framework-free building blocks shared by every service's domain layer."""

from svckit.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IllegalTransition,
    NotFound,
    ValidationFailed,
)
from svckit.domain.statemachine import StateMachine

__all__ = [
    "Conflict",
    "DomainError",
    "Forbidden",
    "IllegalTransition",
    "NotFound",
    "StateMachine",
    "ValidationFailed",
]
