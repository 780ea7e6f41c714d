"""Demo users, one per role, whose scopes match the other services' seeds (idempotent).

The ids are the other seeds' deterministic ids (same namespaces and names; a test checks
they agree): the 东昌府区 and 阳谷县 stations (inventory), the two contractor companies
(renovation), the first 东昌府区 volunteer (volunteer). Every demo user's password is
``IDENTITY_SEED_PASSWORD`` (default ``liaocheng-2025``): for demos only.
"""

from __future__ import annotations

import uuid

from svckit.auth.principal import Role
from svckit.domain.clock import utcnow
from svckit.service import ServiceContext

from identity.config import IdentitySettings
from identity.domain.users import Scope, User
from identity.service_layer import passwords
from identity.service_layer.uow import IdentityUoW

_INVENTORY_NS = uuid.UUID("6f1c1d7e-5b1a-4c47-9a43-3d0f2a6b1500")
_RENOVATION_NS = uuid.UUID("6f1d7c0e-2b1a-5e0c-9a57-3715a0c2025a")
_VOLUNTEER_NS = uuid.UUID("0c7f3a1e-8d2b-4f6a-9e51-3b7d2c4a6f80")


def station(key: str) -> str:
    return str(uuid.uuid5(_INVENTORY_NS, f"station:{key}"))


def company(name: str) -> str:
    return str(uuid.uuid5(_RENOVATION_NS, f"contractor-{name}"))


def volunteer(phone: str) -> str:
    return str(uuid.uuid5(_VOLUNTEER_NS, f"volunteer:{phone}"))


#: (username = token ``sub``, name, role, scope)
USERS: list[tuple[str, str, Role, Scope]] = [
    ("clerk-dcf", "王芳", Role.CLERK, Scope(stations=(station("DCF"),))),
    ("clerk-yg", "赵敏", Role.CLERK, Scope(stations=(station("YG"),))),
    ("clerk-szx", "陈静", Role.CLERK, Scope(stations=(station("SZX"),))),
    ("supervisor-dcf", "刘站长", Role.SUPERVISOR, Scope(stations=(station("DCF"),))),
    ("staff-zhao", "赵主任", Role.STAFF, Scope()),
    ("staff-li", "李评估员", Role.STAFF, Scope()),
    ("inspector-sun", "孙验收", Role.INSPECTOR, Scope()),
    ("contractor-anju", "聊城安居", Role.CONTRACTOR,
     Scope(company=company("聊城安居无障碍工程有限公司"))),
    ("contractor-yiju", "茌平宜居", Role.CONTRACTOR,
     Scope(company=company("茌平宜居建筑装饰有限公司"))),
    ("coordinator-371502", "东昌府区协调员", Role.COORDINATOR, Scope(districts=("371502",))),
    ("coordinator-371500", "市绿挎包协调员", Role.COORDINATOR, Scope(districts=("371500",))),
    ("volunteer-1201", "张建华", Role.VOLUNTEER, Scope(volunteer_id=volunteer("13806351201"))),
]


def seed(ctx: ServiceContext) -> None:
    uow = ctx.uow()
    assert isinstance(uow, IdentityUoW)
    settings: IdentitySettings = ctx.settings
    password = settings.seed_password.get_secret_value()
    now = utcnow()
    with uow:
        hashed: str | None = None
        for username, name, role, scope in USERS:
            if uow.users.by_username(username) is None:
                hashed = hashed or passwords.hash_password(password)
                user = User.create(username=username, display_name=name, role=role,
                                   scope=scope, password_hash=hashed, now=now)
                user.id = uuid.uuid5(_INVENTORY_NS, f"user:{username}")
                uow.users.add(user)
        uow.commit()


def token_hints(_ctx: ServiceContext) -> list[str]:
    users = " ".join(u for u, *_ in USERS)
    return [
        "identity: POST /identity/login {\"username\": ..., \"password\": \"liaocheng-2025\"}",
        f"  users: {users}",
    ]
