"""identity's own commands (``python -m identity <command>``; svckit.cli runs them).

    create-admin --username NAME [--name 显示名] [--password-stdin]

makes the first staff administrator. The password is read, in this order, from
``IDENTITY_ADMIN_PASSWORD``, from standard input with ``--password-stdin`` (one line), or
prompted twice on a terminal; never from the command line, where ``ps`` would show it.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from datetime import UTC, datetime

from svckit.domain.errors import ValidationFailed
from svckit.service import Command, ServiceContext

from identity.service_layer import admin
from identity.service_layer.uow import IdentityUoW

PASSWORD_ENV = "IDENTITY_ADMIN_PASSWORD"


def _arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--username", required=True, help="sign-in name (3-64 lower-case characters)")
    p.add_argument("--name", default="", help="display name (default: the username)")
    p.add_argument("--password-stdin", action="store_true",
                   help="read the password from standard input (one line)")


def _password(args: argparse.Namespace) -> str | None:
    env = os.environ.get(PASSWORD_ENV)
    if env:
        return env
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        print(f"create-admin: no password: set {PASSWORD_ENV}, pass --password-stdin, or run "
              "it on a terminal to be asked", file=sys.stderr)
        return None
    first = getpass.getpass("新密码 (password): ")
    if getpass.getpass("再输一次 (again): ") != first:
        print("create-admin: the two passwords differ", file=sys.stderr)
        return None
    return first


def create_admin(ctx: ServiceContext, args: argparse.Namespace) -> int:
    password = _password(args)
    if password is None:
        return 2
    uow = ctx.uow()
    assert isinstance(uow, IdentityUoW)
    try:
        user = admin.create_first_admin(uow, username=args.username,
                                        display_name=args.name or args.username,
                                        password=password, now=datetime.now(UTC))
    except ValidationFailed as exc:
        for messages in exc.errors.values():
            for message in messages:
                print(f"create-admin: {message}", file=sys.stderr)
        return 1
    print(f"created staff administrator {user.username} ({user.id})")
    return 0


COMMANDS = {
    "create-admin": Command(help="make a staff administrator (the first real user)",
                            run=create_admin, arguments=_arguments),
}
