"""The import rules of SPEC §2, checked on the source so a violation fails CI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
QUERY_METHODS = {"select", "where", "execute", "execute_sql", "insert", "insert_many",
                 "insert_from", "get_or_none", "get_by_id", "raw"}


def _sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package, forbidden", [
    ("conditions", {"store", "tui", "textual", "peewee"}),
    ("store", {"tui", "textual"}),
    ("tui", {"peewee"}),
])
def test_packages_import_only_what_the_architecture_allows(package, forbidden):
    offenders = {f"{path.relative_to(ROOT)} imports {sorted(_imported_roots(path) & forbidden)}"
                 for path in _sources(package) if _imported_roots(path) & forbidden}
    assert not offenders


def _imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            modules.add(node.module)
            modules |= {f"{node.module}.{alias.name}" for alias in node.names}
    return modules


def test_tui_sees_rows_not_models():
    """Models load what they lack on first access, on whichever thread reads them: the UI
    gets the frozen rows of store.rows instead."""
    offenders = [str(path.relative_to(ROOT)) for path in _sources("tui")
                 if "store.models" in _imported_modules(path)]
    assert not offenders


def test_tui_runs_no_queries_of_its_own():
    calls = []
    for path in _sources("tui"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in QUERY_METHODS):
                calls.append(f"{path.relative_to(ROOT)}:{node.lineno} .{node.func.attr}()")
    assert not calls


def test_the_checker_sees_a_violation(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("import peewee\nfrom store.models import Contact\n")
    assert _imported_roots(sample) == {"peewee", "store"}
    assert "store.models" in _imported_modules(sample)
    sample.write_text("from store import models\n")
    assert "store.models" in _imported_modules(sample)
