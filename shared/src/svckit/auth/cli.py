"""``svckit-token``: mint a development access token.

    svckit-token --role clerk --station <station-id> --name 王芳
    svckit-token --role coordinator --district 371502
    svckit-token --role contractor --company <company-id>

It signs with the key the services trust, or not at all: ``--key``, else
``IDENTITY_SIGNING_KEY`` (a PEM or a path, as the identity service reads it), else the
embedded mode's ``$VAR_DIR/dev-jwt-private.pem`` once that mode has made it. Without one
it stops (a key made up here would sign tokens no service accepts). The token carries
``AUTH_ISSUER`` and ``AUTH_AUDIENCE`` (their defaults, like identity's tokens).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import mint
from svckit.config import PlatformSettings


def _signing_key(given: Path | None, settings: PlatformSettings) -> str | None:
    if given is not None:
        return given.read_text()
    env = os.environ.get("IDENTITY_SIGNING_KEY")
    if env:
        return env if "-----BEGIN" in env else Path(env).read_text()
    dev = settings.var_dir / "dev-jwt-private.pem"
    return dev.read_text() if dev.is_file() else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="svckit-token", description="Mint a development token.")
    p.add_argument("--role", required=True, choices=[r.value for r in Role])
    p.add_argument("--sub", default=None, help="user id (default: the role name)")
    p.add_argument("--name", default="")
    p.add_argument("--station", action="append", default=[], dest="stations")
    p.add_argument("--district", action="append", default=[], dest="districts")
    p.add_argument("--company", default=None)
    p.add_argument("--volunteer", default=None, dest="volunteer_id")
    p.add_argument("--ttl", type=int, default=8 * 3600, help="seconds (default 8 h)")
    p.add_argument("--key", type=Path, default=None, help="private key PEM file")
    args = p.parse_args(argv)
    settings = PlatformSettings()
    key = _signing_key(args.key, settings)
    if key is None:
        print(f"svckit-token: no signing key: pass --key, set IDENTITY_SIGNING_KEY, or run "
              f"from where the embedded mode keeps its key "
              f"({settings.var_dir / 'dev-jwt-private.pem'} is missing; set VAR_DIR)",
              file=sys.stderr)
        return 2
    principal = Principal(
        sub=args.sub or f"dev-{args.role}",
        role=Role(args.role),
        name=args.name,
        stations=tuple(args.stations),
        company=args.company,
        districts=tuple(args.districts),
        volunteer_id=args.volunteer_id,
    )
    print(mint(principal, key, ttl=args.ttl, issuer=settings.auth_issuer,
               audience=settings.auth_audience))
    return 0


if __name__ == "__main__":
    sys.exit(main())
