"""``svckit-token``: mint a development access token.

    svckit-token --role clerk --station <station-id> --name 王芳
    svckit-token --role coordinator --district 371502
    svckit-token --role contractor --company <company-id>

The key defaults to the embedded mode's ``var/dev-jwt-private.pem`` (made if absent).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from svckit.auth.principal import Principal, Role
from svckit.auth.tokens import ensure_dev_keypair, mint
from svckit.config import PlatformSettings


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
    key = args.key or ensure_dev_keypair(settings.var_dir)[0]
    principal = Principal(
        sub=args.sub or f"dev-{args.role}",
        role=Role(args.role),
        name=args.name,
        stations=tuple(args.stations),
        company=args.company,
        districts=tuple(args.districts),
        volunteer_id=args.volunteer_id,
    )
    print(mint(principal, key.read_text(), ttl=args.ttl, issuer=settings.auth_issuer,
               audience=settings.auth_audience))
    return 0


if __name__ == "__main__":
    sys.exit(main())
