"""The condition language: parse → check against a given schema → evaluate or compile to SQL.

Imports nothing of the project: the store supplies the schema extensions, the contact-method
implementations (``Registry.implement``), the evaluation context and the SQL binding.

Names are loaded on first use (PEP 562): opening a database needs only the SQLite functions,
and the terminal UI should not pay for the parser before anyone edits a condition.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "CheckedCondition": "checker", "check": "checker",
    "ANY": "reads", "Dependencies": "reads", "dependencies": "reads",
    "ConditionError": "errors",
    "EvaluationContext": "evaluator", "evaluate": "evaluator", "evaluate_many": "evaluator",
    "ExplainNode": "explanation", "Explanation": "explanation", "explain": "explanation",
    "ParsedCondition": "grammar", "parse_condition": "grammar",
    "Kind": "registry", "MethodSpec": "registry", "Param": "registry", "Registry": "registry",
    "CompiledQuery": "sql", "Compiler": "sql", "Fragment": "sql", "SqlBinding": "sql",
    "compile_sql": "sql", "LIKE_PATTERN_LIMIT": "sql",
    "Dialect": "dialects", "SQLITE": "dialects", "POSTGRESQL": "dialects",
    "register_sqlite_functions": "sqlite_functions",
    "Schema": "types", "Type": "types", "Value": "types",
    "fold_case": "values",
    "ascii_folding_hazards": "values", "ascii_folding_suffices": "values",
    "like_escape": "values", "unstorable_character": "values",
    "URL_SCHEME_AND_HOST": "values", "url_path": "values",
    "ACTIVITY_TYPES": "vocabulary", "CONTACT_SCHEMA": "vocabulary",
    "default_registry": "vocabulary",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'conditions' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"conditions.{module}"), name)
    globals()[name] = value
    return value

