"""Alembic, per service. A service's ``migrations/env.py`` is two lines::

    from svckit.migrations import run_env
    from <svc>.adapters.orm import metadata
    run_env(metadata)
"""

from __future__ import annotations

from pathlib import Path

from alembic import command, context
from alembic.config import Config as AlembicConfig
from sqlalchemy import MetaData, create_engine, pool

from svckit.db import make_engine, normalise_url


def alembic_config(script_location: Path, url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(script_location: Path, url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, url), revision)


def revision(script_location: Path, url: str, message: str) -> None:
    command.revision(alembic_config(script_location, url), message=message, autogenerate=True)


def run_env(target_metadata: MetaData) -> None:
    """Body of every service's Alembic ``env.py`` (online and offline)."""
    url = context.config.get_main_option("sqlalchemy.url")
    assert url
    render_as_batch = url.startswith("sqlite")
    if context.is_offline_mode():
        context.configure(url=url, target_metadata=target_metadata, literal_binds=True,
                          render_as_batch=render_as_batch)
        with context.begin_transaction():
            context.run_migrations()
        return
    if render_as_batch:
        _run_sqlite(url, target_metadata)
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


def _run_sqlite(url: str, target_metadata: MetaData) -> None:
    """SQLite rebuilds a table to alter it ("batch" mode): DROP TABLE fails while other
    tables' foreign keys point at it. So foreign keys are off during the migration (the
    pragma only works outside a transaction) and checked as a whole afterwards."""
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        connection.commit()
        if broken:
            raise RuntimeError(f"migration left broken foreign keys: {broken[:5]}")
    engine.dispose()
