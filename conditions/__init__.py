"""The condition language: parse → check against a given schema → evaluate or compile to SQL.

Imports nothing of the project: the store supplies the schema extensions, the contact-method
implementations (``Registry.implement``), the evaluation context and the SQL binding.
"""

from conditions.checker import CheckedCondition, check
from conditions.dependencies import ANY, Dependencies, dependencies
from conditions.errors import ConditionError
from conditions.evaluator import EvaluationContext, evaluate
from conditions.explain import ExplainNode, Explanation, explain
from conditions.grammar import ParsedCondition, parse_condition
from conditions.registry import Kind, MethodSpec, Param, Registry
from conditions.sql import (
    CompiledQuery,
    Compiler,
    Fragment,
    SqlBinding,
    compile_sql,
    register_sqlite_functions,
)
from conditions.types import Schema, Type, Value
from conditions.values import fold_case
from conditions.vocabulary import ACTIVITY_TYPES, CONTACT_SCHEMA, default_registry

__all__ = [
    "ACTIVITY_TYPES",
    "ANY",
    "CONTACT_SCHEMA",
    "CheckedCondition",
    "CompiledQuery",
    "Compiler",
    "ConditionError",
    "Dependencies",
    "EvaluationContext",
    "ExplainNode",
    "Explanation",
    "Fragment",
    "Kind",
    "MethodSpec",
    "Param",
    "ParsedCondition",
    "Registry",
    "Schema",
    "SqlBinding",
    "Type",
    "Value",
    "check",
    "compile_sql",
    "default_registry",
    "dependencies",
    "evaluate",
    "explain",
    "fold_case",
    "parse_condition",
    "register_sqlite_functions",
]
