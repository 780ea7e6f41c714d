"""One Chinese text, one English wording: every dictionary the console registers (each
view module owns its own) is read from the source, so a clash fails here even where the
module that loses is never imported, and inside one dictionary literal too."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import console
import pytest
from console import i18n

SOURCE = Path(console.__file__).parent


def registered() -> dict[str, set[tuple[str, str]]]:
    """Chinese -> {(English, where)} over every ``register(area, {...})`` in the source."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and getattr(node.func, "id", "") == "register"):
                continue
            for arg in node.args:
                if not isinstance(arg, ast.Dict):
                    continue
                for key, value in zip(arg.keys, arg.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(value, ast.Constant):
                        where = f"{path.relative_to(SOURCE)}:{key.lineno}"
                        found[str(key.value)].add((str(value.value), where))
    return found


def test_the_source_registers_dictionaries() -> None:
    assert len(registered()) > 500


def test_no_chinese_text_has_two_english_wordings() -> None:
    clashes = {zh: sorted(found) for zh, found in registered().items()
               if len({en for en, _where in found}) > 1}
    assert not clashes, clashes


def test_no_dictionary_literal_repeats_a_text() -> None:
    """Python keeps the last of two equal keys in a literal without a word."""
    for path in sorted(SOURCE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Dict):
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                repeated = {k for k in keys if keys.count(k) > 1}
                assert not repeated, f"{path.name}:{node.lineno} repeats {repeated}"


def test_register_refuses_a_second_wording() -> None:
    import console.views.clerk  # noqa: F401  (registers the clerk's dictionary)

    with pytest.raises(ValueError, match="借出"):
        i18n.register("elsewhere", {"借出": "Lend"})
    i18n.register("elsewhere", {"借出": "Check out"})  # the same wording is fine
    assert "elsewhere" in i18n.CATALOGS
    del i18n.CATALOGS["elsewhere"]
