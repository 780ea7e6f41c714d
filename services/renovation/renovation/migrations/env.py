from svckit.migrations import run_env

from renovation.adapters.orm import metadata

run_env(metadata)
