"""K# text of a syntax node, for explain output and messages.

The source text cannot simply be sliced: inside a ``Rule("…")`` wrapper it is escaped. Output
is minimal-parenthesis K# that parses back to the same tree.
"""

from __future__ import annotations

from conditions import ast

_PRECEDENCE = {
    "??": 0, "||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, "<=": 4, ">": 4, ">=": 4,
    "+": 5, "-": 5, "*": 6, "/": 6, "mod": 6,
}
_UNARY = 7
_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def _precedence(node: ast.Node) -> int:
    if isinstance(node, ast.Conditional):
        return -1
    if isinstance(node, ast.Binary | ast.Logical):
        return _PRECEDENCE[node.op]
    if isinstance(node, ast.Unary):
        return _UNARY
    return _UNARY + 1


def _operand(node: ast.Node, minimum: int) -> str:
    text = render_node(node)
    return f"({text})" if _precedence(node) < minimum else text


def render_node(node: ast.Node) -> str:
    """The K# form of ``node``."""
    if isinstance(node, ast.Literal):
        if node.kind == "string":
            return '"' + str(node.value).translate(_ESCAPES) + '"'
        if node.kind in ("bool", "null"):
            return "null" if node.value is None else str(node.value).lower()
        return repr(node.value)
    if isinstance(node, ast.Identifier):
        return node.name
    if isinstance(node, ast.MemberAccess):
        return f"{_operand(node.target, _UNARY + 1)}.{node.name}"
    if isinstance(node, ast.Call):
        args = ", ".join(render_node(a) for a in node.args)
        head = "" if node.target is None else _operand(node.target, _UNARY + 1) + "."
        return f"{head}{node.name}({args})"
    if isinstance(node, ast.Unary):
        return f"{node.op}{_operand(node.operand, _UNARY)}"
    if isinstance(node, ast.Conditional):
        return (f"{_operand(node.condition, 0)} ? {render_node(node.then)} : "
                f"{render_node(node.otherwise)}")
    if isinstance(node, ast.Logical):
        level = _PRECEDENCE[node.op]
        return f" {node.op} ".join(_operand(o, level + 1) for o in node.operands)
    assert isinstance(node, ast.Binary)
    level = _PRECEDENCE[node.op]
    if node.op == "??":  # right-associative
        return f"{_operand(node.left, level + 1)} ?? {_operand(node.right, level)}"
    return f"{_operand(node.left, level)} {node.op} {_operand(node.right, level + 1)}"
