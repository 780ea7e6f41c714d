"""The console's definition: a web app of the runners (entry point group ``svckit.apps``)
with no database and no events of its own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask
from svckit.config import PlatformSettings
from svckit.service import AppDefinition


def create_app(platform: PlatformSettings, urls: Mapping[str, str]) -> Flask:
    """The console calling each service at ``urls[<service>]`` (the embedded mode)."""
    from console.app import create_app
    from console.config import ConsoleSettings

    own: dict[str, Any] = {f"{name}_url": url for name, url in urls.items()}
    return create_app(ConsoleSettings(var_dir=platform.var_dir, **own))


definition = AppDefinition(
    name="console", create_app=create_app, wsgi="console.wsgi:app", slot=4,
    title="业务工作台 Web console",
    # on one host identity trusts 127.0.0.1 (its local_env): the console names the browser
    local_env={"CONSOLE_FORWARD_CLIENT_ADDRESS": "true"},
)
