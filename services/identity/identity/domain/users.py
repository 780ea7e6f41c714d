"""Users: a role and the scope that goes with it (the claims the other services check)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.resources import files
from typing import Any

from svckit.auth.principal import Principal, Role
from svckit.domain.division import validate_division
from svckit.domain.errors import Conflict, ValidationFailed

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")
MIN_PASSWORD = 10

#: which scope claim each role needs (True), may have (None) or must not have (absent)
SCOPE_RULES: dict[Role, dict[str, bool | None]] = {
    Role.CLERK: {"stations": True},
    Role.SUPERVISOR: {"stations": True},
    Role.CONTRACTOR: {"company": True},
    Role.COORDINATOR: {"districts": True},
    Role.VOLUNTEER: {"volunteer_id": True},
    Role.STAFF: {"districts": None},
    Role.INSPECTOR: {"districts": None},
}


@dataclass(frozen=True)
class Scope:
    stations: tuple[str, ...] = ()
    company: str | None = None
    districts: tuple[str, ...] = ()
    volunteer_id: str | None = None

    def check(self, role: Role) -> None:
        rules = SCOPE_RULES.get(role)
        if rules is None:
            raise ValidationFailed.field("role", f"角色 {role.value} 不能分配给用户")
        errors: dict[str, str] = {}
        values: dict[str, Any] = {"stations": self.stations, "company": self.company,
                                  "districts": self.districts, "volunteer_id": self.volunteer_id}
        for name, value in values.items():
            rule = rules.get(name, False)
            if rule is True and not value:
                errors[name] = f"角色 {role.value} 必须指定 {name}"
            elif rule is False and value:
                errors[name] = f"角色 {role.value} 不能有 {name}"
        for code in self.districts:
            try:
                validate_division(code)
            except ValueError:
                errors["districts"] = f"无效的行政区划代码 {code}"
        for name, ids in (("stations", self.stations),
                          ("company", (self.company,) if self.company else ()),
                          ("volunteer_id", (self.volunteer_id,) if self.volunteer_id else ())):
            for value in ids:
                try:
                    uuid.UUID(value)
                except ValueError:
                    errors[name] = f"{name} 必须是 UUID"
        if errors:
            raise ValidationFailed(errors)


@dataclass(eq=False)
class User:
    id: uuid.UUID
    username: str
    display_name: str
    role: Role
    password_hash: str
    stations: list[str] = field(default_factory=list)
    company: str | None = None
    districts: list[str] = field(default_factory=list)
    volunteer_id: str | None = None
    disabled: bool = False
    created_at: datetime | None = None
    updated_at: datetime | None = None
    disabled_at: datetime | None = None
    password_changed_at: datetime | None = None

    @classmethod
    def create(cls, *, username: str, display_name: str, role: Role, scope: Scope,
               password_hash: str, now: datetime) -> User:
        if not USERNAME.match(username):
            raise ValidationFailed.field(
                "username", "用户名为3-64位小写字母、数字、点、下划线或连字符")
        scope.check(role)
        return cls(id=uuid.uuid4(), username=username, display_name=display_name, role=role,
                   password_hash=password_hash, stations=list(scope.stations),
                   company=scope.company, districts=list(scope.districts),
                   volunteer_id=scope.volunteer_id, created_at=now, updated_at=now,
                   password_changed_at=now)

    @property
    def scope(self) -> Scope:
        return Scope(tuple(self.stations), self.company, tuple(self.districts),
                     self.volunteer_id)

    def change_role(self, role: Role, scope: Scope, *, now: datetime) -> None:
        scope.check(role)
        self.role = role
        self.stations, self.company = list(scope.stations), scope.company
        self.districts, self.volunteer_id = list(scope.districts), scope.volunteer_id
        self.updated_at = now

    def disable(self, *, now: datetime) -> None:
        if self.disabled:
            raise Conflict("用户已停用 (already disabled)", current_state="disabled")
        self.disabled, self.disabled_at, self.updated_at = True, now, now

    def enable(self, *, now: datetime) -> None:
        if not self.disabled:
            raise Conflict("用户未停用 (not disabled)", current_state="active")
        self.disabled, self.disabled_at, self.updated_at = False, None, now

    def set_password_hash(self, password_hash: str, *, now: datetime) -> None:
        self.password_hash = password_hash
        self.password_changed_at = self.updated_at = now

    def principal(self) -> Principal:
        return Principal(sub=self.username, role=self.role, name=self.display_name,
                         stations=tuple(self.stations), company=self.company,
                         districts=tuple(self.districts), volunteer_id=self.volunteer_id)


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (``identity/data/common-passwords.txt``:
    frequent breached passwords, pinyin and numeric ones, sequences, keyboard walks)."""
    text = files("identity").joinpath("data/common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("#"))


def check_password_strength(password: str, username: str) -> None:
    """At least ``MIN_PASSWORD`` characters, not in the list of common passwords (compared
    case-insensitively), not containing the username."""
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed.field(
            "password", f"密码至少 {MIN_PASSWORD} 位 (at least {MIN_PASSWORD} characters)")
    if password.strip().lower() in common_passwords():
        raise ValidationFailed.field(
            "password", "密码过于常见，请换一个 (a common password: choose another)")
    if username.lower() in password.lower():
        raise ValidationFailed.field(
            "password", "密码不能包含用户名 (must not contain the username)")
