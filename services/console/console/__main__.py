"""``python -m console [--port 8090]``: the console alone, against services elsewhere
(``CONSOLE_API_BASE`` / ``CONSOLE_<SERVICE>_URL``)."""

from __future__ import annotations

import argparse

from waitress import serve

from console.app import create_app


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m console")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8090)
    args = p.parse_args()
    serve(create_app(), host=args.host, port=args.port, threads=8, ident="console")


if __name__ == "__main__":
    main()
