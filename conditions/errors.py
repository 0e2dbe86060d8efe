"""The single error type of the condition language.

Every problem with a condition (syntax, unknown names, types, refused constructs) is reported
as a ConditionError that knows where in the source it happened, so the editor can put a caret
under the offending character and the command line can print ``line L, column C: message``.
"""

from __future__ import annotations


class ConditionError(Exception):
    """A condition that cannot be parsed, checked, compiled or evaluated.

    ``line`` and ``column`` are 1-based positions in ``source_text`` (the text the user gave,
    including any ``{% %}`` or ``Rule(...)`` wrapper).
    """

    def __init__(self, message: str, line: int = 1, column: int = 1, source_text: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.source_text = source_text

    @classmethod
    def at_offset(cls, message: str, source_text: str, offset: int) -> ConditionError:
        """Build an error for a 0-based character offset into ``source_text``."""
        offset = max(0, min(offset, len(source_text)))
        line = source_text.count("\n", 0, offset) + 1
        line_start = source_text.rfind("\n", 0, offset) + 1
        return cls(message, line, offset - line_start + 1, source_text)

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"

    @property
    def source_line(self) -> str:
        """The line of the source the error points into ("" when the source is unknown)."""
        lines = self.source_text.split("\n")
        if 1 <= self.line <= len(lines):
            return lines[self.line - 1].rstrip("\r")
        return ""

    @property
    def caret(self) -> str:
        """The offending source line with a ``^`` under the error column on the next line.

        Tabs before the column are kept in the padding so the caret lines up in a terminal.
        """
        line = self.source_line
        padding = "".join("\t" if ch == "\t" else " " for ch in line[: self.column - 1])
        padding += " " * max(0, self.column - 1 - len(line))
        return f"{line}\n{padding}^"
