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


ENGINE_NAMES = {"sqlite", "postgres", "postgresql"}
DIALECT_MODULES = {"store/dialects.py", "conditions/dialects.py"}
"""Where each engine's differences live (issue 14): everything else asks the dialect."""
ENGINE_CHECK_ALLOWED = {
    "store/database_url.py": "a URL names its engine: parsing it tells them apart",
    "store/demo.py": "its bulk loaders move to the dialect when demo.py is split (issue 14)",
}


def _engine_checks(path: Path) -> list[str]:
    """Lines of ``path`` that ask which engine runs: ``on_sqlite()``-style calls, an
    ``isinstance`` against a database class, a comparison with an engine's name."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            name = ast.unparse(node.func)
            if name.split(".")[-1] in ("on_sqlite", "on_postgres", "is_sqlite", "is_postgres"):
                found.append(f"{node.lineno}: {name}()")
            elif name == "isinstance" and len(node.args) == 2 and any(
                    engine in ast.unparse(node.args[1]).lower() for engine in ENGINE_NAMES):
                found.append(f"{node.lineno}: {ast.unparse(node)}")
        elif isinstance(node, ast.Compare):
            constants = {n.value for n in ast.walk(node)
                         if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            if constants & ENGINE_NAMES:
                found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_engine_differences_live_in_the_dialects():
    offenders = []
    for path in _sources("store") + _sources("conditions"):
        relative = path.relative_to(ROOT).as_posix()
        if relative in DIALECT_MODULES or relative in ENGINE_CHECK_ALLOWED:
            continue
        offenders += [f"{relative}:{line}" for line in _engine_checks(path)]
    assert not offenders


def test_the_engine_check_finder_sees_each_kind(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("if on_sqlite():\n    pass\n"
                      "sqlite = isinstance(db, pw.SqliteDatabase)\n"
                      "if c.dialect.name != 'postgresql':\n    pass\n"
                      "if parsed.engine in ('postgres', 'mysql'):\n    pass\n"
                      "x = isinstance(value, str) and value == 'other'\n")
    assert [line.split(":")[0] for line in _engine_checks(sample)] == ["1", "3", "4", "6"]
