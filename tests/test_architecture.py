"""The import rules of SPEC §2, checked on the source so a violation fails CI."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
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
                 if "store.db.models" in _imported_modules(path)]
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
    sample.write_text("import peewee\nfrom store.db.models import Contact\n")
    assert _imported_roots(sample) == {"peewee", "store"}
    assert "store.db.models" in _imported_modules(sample)
    sample.write_text("from store.db import models\n")
    assert "store.db.models" in _imported_modules(sample)


PROJECT_PACKAGES = {"conditions", "store", "tui", "tests"}
PRIVATE_USE_ALLOWED: dict[str, str] = {}
"""Test files allowed a private name, each with the reason (none today)."""


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(path: Path) -> list[str]:
    """Private names ``path`` takes from the project or Textual: imported (``from
    store.engine.rebuild import _Steps``, ``textual.widgets._footer``) or read off an imported
    project module or class (``rebuild._Census``). Tests use the public API only, so that
    a refactoring inside a module, or a Textual release, does not break them."""
    tree = ast.parse(path.read_text(), str(path))
    found, project_names = [], set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            root = module.split(".")[0] if node.level == 0 else "tests"
            if root not in PROJECT_PACKAGES | {"textual"}:
                continue
            names = [alias.name for alias in node.names]
            if any(_private(part) for part in module.split(".")) or any(map(_private, names)):
                found.append(f"{node.lineno}: from {'.' * node.level}{module} import "
                             f"{', '.join(names)}")
            if root in PROJECT_PACKAGES:
                project_names |= {alias.asname or alias.name for alias in node.names}
        elif isinstance(node, ast.Import):
            for alias in node.names:
                root = alias.name.split(".")[0]
                if root in PROJECT_PACKAGES | {"textual"} and any(
                        _private(part) for part in alias.name.split(".")):
                    found.append(f"{node.lineno}: import {alias.name}")
                if root in PROJECT_PACKAGES:
                    project_names.add(alias.asname or root)
    found += [f"{node.lineno}: {ast.unparse(node)}" for node in ast.walk(tree)
              if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
              and node.value.id in project_names and _private(node.attr)]
    return found


def _findings(packages: list[str], skip: Iterable[str], find: Callable[[Path], list[str]]
              ) -> list[str]:
    """What ``find`` reports in the sources of ``packages``, but for the files in ``skip``."""
    skipped = set(skip)
    return [f"{path.relative_to(ROOT).as_posix()}:{finding}"
            for package in packages for path in _sources(package)
            if path.relative_to(ROOT).as_posix() not in skipped for finding in find(path)]


def test_tests_use_no_private_names_of_the_project_or_textual():
    assert not _findings(["tests"], PRIVATE_USE_ALLOWED, _private_uses)


def test_the_private_name_finder_sees_each_kind(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from store.engine.rebuild import _Steps\n"
                      "from textual.widgets._footer import FooterKey\n"
                      "from store.engine import rebuild\n"
                      "census = rebuild._Census.take()\n"
                      "import textual._context\n"
                      "from .harness import _holds\n"
                      "name = obj._private and rebuild.__name__ and app.notify\n"
                      "from peewee import _private_elsewhere\n")
    assert [use.split(":")[0] for use in _private_uses(sample)] == ["1", "2", "5", "6", "4"]


ENGINE_NAMES = {"sqlite", "postgres", "postgresql"}
DIALECT_MODULES = {"store/db/dialects.py", "conditions/dialects.py"}
"""Where each engine's differences live (issue 14): everything else asks the dialect."""
ENGINE_CHECK_ALLOWED = {
    "store/db/database_url.py": "a URL names its engine: parsing it tells them apart",
    "store/demo/loaders.py": "the demo's bulk loaders: one class per engine, chosen by name",
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
    assert not _findings(["store", "conditions"], DIALECT_MODULES | ENGINE_CHECK_ALLOWED.keys(),
                         _engine_checks)


def test_the_engine_check_finder_sees_each_kind(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("if on_sqlite():\n    pass\n"
                      "sqlite = isinstance(db, pw.SqliteDatabase)\n"
                      "if c.dialect.name != 'postgresql':\n    pass\n"
                      "if parsed.engine in ('postgres', 'mysql'):\n    pass\n"
                      "x = isinstance(value, str) and value == 'other'\n")
    assert [line.split(":")[0] for line in _engine_checks(sample)] == ["1", "3", "4", "6"]


BACKGROUND_MODULE = "tui/background.py"
"""The one way the TUI runs work off the main thread (issue 14): everything else calls it."""
WORKER_CALLS = {"run_worker", "call_from_thread", "get_current_worker"}


def _own_background_work(path: Path) -> list[str]:
    """Lines of ``path`` that run background work with Textual directly instead of through
    :mod:`tui.background`: a ``@work`` method, ``run_worker``, ``call_from_thread``, or
    ``get_current_worker`` (a worker asking whether it was cancelled)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target).split(".")[-1] == "work":
                    found.append(f"{decorator.lineno}: @{ast.unparse(decorator)}")
        elif ((isinstance(node, ast.Attribute) and node.attr in WORKER_CALLS)
              or (isinstance(node, ast.Name) and node.id in WORKER_CALLS)):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


def test_the_tui_runs_background_work_in_one_way():
    assert not _findings(["tui"], {BACKGROUND_MODULE}, _own_background_work)


def test_the_background_work_finder_sees_each_kind(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text("from textual import work\n"
                      "@work(thread=True, exclusive=True)\ndef load(self):\n    pass\n"
                      "@textual.work\nasync def count(self):\n    pass\n"
                      "self.app.run_worker(job, thread=True)\n"
                      "app.call_from_thread(done, result)\n"
                      "cancelled = get_current_worker().is_cancelled\n"
                      "@on(Button.Pressed)\ndef pressed(self):\n"
                      "    self.work = homework(run_workers, in_background)\n")
    assert [line.split(":")[0] for line in _own_background_work(sample)] == [
        "2", "5", "8", "9", "10"]
