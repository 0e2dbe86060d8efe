"""Catalogue of designer rules and the designer's tree of rule instances.

Admins who do not write K# build a condition from sentences such as "Contact has not done any
activity in the last 365 day(s)". Each sentence is a *rule*: a user text and a K# template that
share ``{param}`` placeholders. The designer combines rule instances and bracket groups with
and/or; this module turns such a tree into K# (what is evaluated) and into display text (what the
group list shows). The catalogue mirrors Kentico's shipped on-line marketing rules so that
conditions exported from Kentico keep their meaning and their wording.

Parameter values are untrusted. Free text only ever lands inside a K# string literal (escaped);
everything spliced into K# unquoted is a closed choice or a validated number, which
``RuleDef.__post_init__`` enforces for every catalogue entry when the module is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from conditions.builtins import to_datetime
from conditions.errors import ConditionError

__all__ = [
    "RULES",
    "SPECIAL_PARAMETERS",
    "Choice",
    "Group",
    "Node",
    "Op",
    "ParameterDef",
    "RuleDef",
    "RuleInstance",
    "Shape",
    "UnknownRule",
    "ValueType",
    "get_rule",
    "kentico_string",
    "to_kentico",
    "to_text",
    "validate_text",
]


class ValueType(StrEnum):
    """Kentico's parameter value types (the ``<vt>`` element) that our rules use."""

    TEXT = "text"
    INTEGER = "integer"
    DATETIME = "datetime"
    DOUBLE = "double"


class Op(StrEnum):
    """How a designer item joins the item before it; the value is the designer's word."""

    AND = "and"
    OR = "or"

    @property
    def kentico(self) -> str:
        """The K# operator; ``&&`` binds tighter than ``||`` as in C#."""
        return "&&" if self is Op.AND else "||"


_NUMBER_PATTERNS = {
    # Non-negative only: days <= 0 already means "any time", and a bare literal needs no unary
    # minus in the grammar. Nine digits keep every value inside a 32-bit ToInt.
    ValueType.INTEGER: (re.compile(r"[0-9]{1,9}"), "a whole number (0 or more)"),
    ValueType.DOUBLE: (re.compile(r"[0-9]{1,15}(?:\.[0-9]{1,15})?"), "a number such as 12.5"),
}

# Characters XML 1.0 can carry; values travel in the rules XML, so anything else cannot round-trip.
_XML_CHARS = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_KENTICO_ESCAPES = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def kentico_string(value: str) -> str:
    """Return ``value`` as a quoted K# string literal that reads back as exactly ``value``."""
    return '"' + value.translate(_KENTICO_ESCAPES) + '"'


def validate_text(value: str, what: str) -> None:
    """Refuse characters the rules XML cannot store (control characters, U+FFFE, surrogates)."""
    bad = _XML_CHARS.search(value)
    if bad:
        raise ConditionError(
            f"{what} contains the character U+{ord(bad.group()):04X}, "
            "which a condition cannot store"
        )


@dataclass(frozen=True)
class Choice:
    """One value of a closed parameter, with the words the sentence shows for it."""

    value: str
    text: str


@dataclass(frozen=True)
class Shape:
    """The form a free-text value must have (``site;form;field``, a date), so the designer
    refuses what the method would refuse at save; ``examples`` are valid values, the first
    a typical one."""

    accepts: Callable[[str], bool]
    description: str
    examples: tuple[str, ...]


@dataclass(frozen=True)
class ParameterDef:
    """A ``{param}`` of a rule: what the designer asks for and which values are valid.

    ``caption`` is the prompt shown while the value is unset ("enter days"). A parameter with
    ``choices`` is closed: only those values are accepted. ``multiple`` marks a ``;``-separated
    list (activities, countries, groups).
    """

    name: str
    caption: str
    value_type: ValueType = ValueType.TEXT
    default: str = ""
    required: bool = True
    choices: tuple[Choice, ...] = ()
    multiple: bool = False
    shape: Shape | None = None

    def check(self, value: str, rule: str) -> str:
        """Return the canonical spelling of a valid ``value``; raise ConditionError otherwise."""
        where = f"Parameter '{self.name}' of rule '{rule}'"
        validate_text(value, where)
        if self.choices:
            for choice in self.choices:
                if choice.value.lower() == value.lower():
                    return choice.value
            if value and self.shape and self.shape.accepts(value):  # an open list
                return value
            if value == "" and self.required:
                raise ConditionError(f"{where} is not set ({self.caption})")
            allowed = ", ".join(repr(c.value) for c in self.choices)
            raise ConditionError(f"{where} must be one of {allowed}, not {value!r}")
        if value == "":
            if self.required:
                raise ConditionError(f"{where} is not set ({self.caption})")
            return value
        number = _NUMBER_PATTERNS.get(self.value_type)
        if number and not number[0].fullmatch(value):
            raise ConditionError(f"{where} must be {number[1]}, not {value!r}")
        if self.shape and not self.shape.accepts(value):
            raise ConditionError(f"{where} must be {self.shape.description}, not {value!r}")
        return value

    def display(self, value: str, text: str | None) -> str:
        """The words shown for this parameter in the sentence."""
        if text:
            # Kentico keeps the captions of a multi-value selection one per line.
            return ", ".join(part for part in text.splitlines() if part)
        for choice in self.choices:
            if choice.value.lower() == value.lower():
                return choice.text
        if value == "":
            return f"<{self.caption}>" if self.required else '""'
        if self.multiple:
            return ", ".join(part for part in value.split(";") if part)
        return value

    def stored_text(self, value: str, text: str | None) -> str:
        """The ``<t>`` text Kentico stores: the caption of the value, or the value itself."""
        if text:
            return text
        for choice in self.choices:
            if choice.value.lower() == value.lower():
                return choice.text
        return value


def _choice_parameter(name: str, *choices: tuple[str, str]) -> ParameterDef:
    return ParameterDef(
        name,
        "select operation",
        default=choices[0][0],
        required=False,
        choices=tuple(Choice(value, text) for value, text in choices),
    )


SPECIAL_PARAMETERS: Mapping[str, ParameterDef] = {
    # Kentico's negation and quantifier parameters; the first choice is the default.
    "_perfectum": _choice_parameter("_perfectum", ("", "has"), ("!", "has not")),
    "_is": _choice_parameter("_is", ("", "is"), ("!", "is not")),
    "_has": _choice_parameter("_has", ("", "has"), ("!", "does not have")),
    "_any": _choice_parameter("_any", ("false", "any"), ("true", "all")),
}

_PLACEHOLDER = re.compile(r'"\{(\w+)\}"|\{(\w+)\}')


@dataclass(frozen=True)
class RuleDef:
    """A catalogue rule: user text and K# template sharing ``{param}`` placeholders."""

    code_name: str
    display_name: str
    user_text: str
    template: str
    parameters: tuple[ParameterDef, ...]
    description: str = ""
    other_forms: tuple[str, ...] = ()
    """Other K# Kentico writes for this rule (older versions), with the same placeholders:
    only compared with a stored condition's K#, never generated."""

    def __post_init__(self) -> None:
        # A catalogue mistake here would splice free text into K#: fail at import, not at runtime.
        names = {p.name for p in self.parameters}
        if len(names) != len(self.parameters):
            raise ValueError(f"{self.code_name}: duplicate parameter names")
        in_template: set[str] = set()
        for match in _PLACEHOLDER.finditer(self.template):
            quoted, bare = match.groups()
            name = quoted or bare
            if name not in names:
                raise ValueError(f"{self.code_name}: unknown placeholder {{{name}}}")
            param = self.parameter(name)
            closed = param.choices and param.shape is None
            if bare and not (closed or param.value_type in _NUMBER_PATTERNS):
                raise ValueError(f"{self.code_name}: free text {{{name}}} must be quoted")
            in_template.add(name)
        in_text = {m.group(1) for m in re.finditer(r"\{(\w+)\}", self.user_text)}
        if in_template != names or in_text != names:
            raise ValueError(f"{self.code_name}: placeholders do not match the parameters")

    def parameter(self, name: str) -> ParameterDef:
        """The parameter called ``name`` (case-insensitive, as in Kentico)."""
        for param in self.parameters:
            if param.name.lower() == name.lower():
                return param
        raise ConditionError(f"Rule '{self.code_name}' has no parameter '{name}'")

    def new_instance(self) -> RuleInstance:
        """A fresh instance with every parameter at its default, as the designer adds it."""
        return RuleInstance(self.code_name, {p.name: p.default for p in self.parameters})

    def checked_values(self, values: Mapping[str, str]) -> dict[str, str]:
        """Every parameter's canonical value; ConditionError for missing, unknown or bad ones."""
        given = {self.parameter(name).name: value for name, value in values.items()}
        missing = [p.name for p in self.parameters if p.name not in given]
        if missing:
            raise ConditionError(
                f"Rule '{self.display_name}' is missing parameter(s): {', '.join(missing)}"
            )
        return {p.name: p.check(given[p.name], self.display_name) for p in self.parameters}

    def kentico(self, values: Mapping[str, str]) -> str:
        """The K# of this rule with ``values`` filled in (validated and escaped)."""
        return self._fill(self.template, self.checked_values(values))

    def kentico_forms(self, values: Mapping[str, str]) -> list[str]:
        """Every K# this rule may have been stored as with ``values``: ours first."""
        checked = self.checked_values(values)
        return [self._fill(template, checked) for template in (self.template, *self.other_forms)]

    @staticmethod
    def _fill(template: str, checked: Mapping[str, str]) -> str:
        def fill(match: re.Match[str]) -> str:
            quoted, bare = match.groups()
            if quoted:
                return kentico_string(checked[quoted])
            return checked[bare]

        return _PLACEHOLDER.sub(fill, template)

    def text(self, values: Mapping[str, str], texts: Mapping[str, str] | None = None) -> str:
        """The sentence shown to admins; unset parameters show their prompt in angle brackets."""
        texts = texts or {}

        def fill(match: re.Match[str]) -> str:
            param = self.parameter(match.group(1))
            return param.display(values.get(param.name, ""), texts.get(param.name))

        return re.sub(r"\{(\w+)\}", fill, self.user_text)


@dataclass(frozen=True)
class RuleInstance:
    """One line of the designer: a catalogue rule and the values an admin gave its parameters.

    ``texts`` optionally holds the caption shown for a value that is a code name
    (activity ``pagevisit`` shown as "Page visit"); without it the value itself is shown.
    """

    rule: str
    values: Mapping[str, str] = field(default_factory=dict)
    texts: Mapping[str, str] = field(default_factory=dict)

    @property
    def definition(self) -> RuleDef:
        """The catalogue rule this instance fills in."""
        return get_rule(self.rule)


@dataclass(frozen=True)
class Group:
    """A bracket group: items joined left to right, ``ops[i]`` joining ``children[i + 1]``.

    The root of a designer tree is a group too; only nested groups show brackets.
    """

    children: tuple[Node, ...]
    ops: tuple[Op, ...] = ()

    def __post_init__(self) -> None:
        if not self.children:
            raise ConditionError("A bracket group needs at least one rule")
        if len(self.ops) != len(self.children) - 1:
            raise ConditionError("A group needs one and/or between each pair of items")

    @classmethod
    def of(cls, first: Node, *rest: tuple[Op, Node]) -> Group:
        """Build a group the way it reads: ``Group.of(a, (Op.OR, b), (Op.AND, c))``."""
        return cls((first, *(node for _, node in rest)), tuple(Op(op) for op, _ in rest))


Node = RuleInstance | Group


def _render(
    node: Node, leaf: Callable[[RuleInstance], str], op: Callable[[Op], str], nested: bool
) -> str:
    if isinstance(node, RuleInstance):
        return leaf(node)
    parts = [_render(node.children[0], leaf, op, nested=True)]
    for joint, child in zip(node.ops, node.children[1:], strict=True):
        parts += [op(joint), _render(child, leaf, op, nested=True)]
    body = " ".join(parts)
    return f"({body})" if nested else body


def to_kentico(root: Node) -> str:
    """The K# of a designer tree: "A or B and (C or D)" becomes ``A || B && (C || D)``.

    Brackets are kept exactly where the admin put them and and/or are written as they read, so
    C#'s precedence (``&&`` before ``||``) decides, as in Kentico's designer.
    """
    return _render(root, lambda r: r.definition.kentico(r.values), lambda o: o.kentico, False)


def to_text(root: Node) -> str:
    """The designer tree as one line of text, brackets around nested groups."""
    return _render(root, lambda r: r.definition.text(r.values, r.texts), lambda o: o.value, False)


class UnknownRule(ConditionError):
    """A rule code name the catalogue does not have (a custom rule of a Kentico site)."""


def get_rule(code_name: str) -> RuleDef:
    """The catalogue rule with this code name (case-insensitive, as Kentico looks them up)."""
    rule = _BY_NAME.get(code_name.lower())
    if rule is None:
        raise UnknownRule(f"Unknown rule '{code_name}'")
    return rule


def _days() -> ParameterDef:
    return ParameterDef("days", "enter days", ValueType.INTEGER)


def _text(
    name: str, caption: str, *, required: bool = True, multiple: bool = False
) -> ParameterDef:
    return ParameterDef(name, caption, required=required, multiple=multiple)


_FIELDS = (
    ("ContactFirstName", "First name"),
    ("ContactLastName", "Last name"),
    ("ContactEmail", "E-mail address"),
    ("ContactCompanyName", "Company name"),
    ("ContactJobTitle", "Job title"),
    ("ContactMobilePhone", "Mobile phone"),
    ("ContactCity", "City"),
    ("ContactCountryName", "Country"),
    ("ContactStatus", "Status"),
)

# Operators of Kentico's field translator; the negative ones also match an empty field.
_FIELD_OPERATORS = (
    ("Contains", "contains"),
    ("NotContains", "does not contain"),
    ("StartsWith", "starts with"),
    ("EndsWith", "ends with"),
    ("Equals", "equals"),
    ("NotEquals", "does not equal"),
)

_P = SPECIAL_PARAMETERS

_FORM_FIELD = Shape(re.compile(r"(?:[^;]*[^;\s][^;]*;){2}[^;]*[^;\s][^;]*").fullmatch,
                    "'site;form;field' (code names, e.g. DancingGoat;ContactUs;Email)",
                    ("DancingGoat;ContactUs;Email", 'a"), b;<c> & \\;d\te'))
_DATE = Shape(lambda value: to_datetime(value) is not None,
              "a date such as 12/31/2026 or 12/31/2026 5:30 PM (month first) or 2026-12-31",
              ("1/1/2020", "9/3/2030 9:20:00 AM", "2026-12-31 23:59"))
_CUSTOM_FIELD = Shape(re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}").fullmatch,
                      "a contact field's code name (a custom field's too)",
                      ("Industry", "ContactMiddleName"))

RULES: tuple[RuleDef, ...] = (
    RuleDef(
        "CMSContactHasDoneAnyActivityInTheLastXDays",
        "Contact has done any activity in the last X days",
        "Contact {_perfectum} done any activity in the last {days} day(s)",
        "{_perfectum}Contact.DidActivity(null, null, ToInt({days}))",
        (_P["_perfectum"], _days()),
        "Any logged activity of any type; 0 days means at any time.",
    ),
    RuleDef(
        "CMSContactHasDoneFollowingActivitiesInTheLastXDays",
        "Contact has done the following activities in the last X days",
        "Contact {_perfectum} done {_any} of the following activities in the last {days} day(s): "
        "{activities}",
        '{_perfectum}Contact.DidActivities("{activities}", ToInt({days}), {_any})',
        (
            _P["_perfectum"],
            _P["_any"],
            _days(),
            _text("activities", "select activities", multiple=True),
        ),
        "Activity type code names separated by semicolons.",
    ),
    RuleDef(
        "CMSContactHasSubmittedSpecifiedFormInLastXDays",
        "Contact has submitted the specified form in the last X days",
        "Contact {_perfectum} submitted form {item} in the last {days} day(s)",
        '{_perfectum}Contact.SubmittedForm("{item}", ToInt({days}))',
        (_P["_perfectum"], _text("item", "select form"), _days()),
        "Form code name.",
    ),
    RuleDef(
        # Kentico's own code name for this rule carries no "CMS" prefix.
        "ContactHasEnteredASpecificValueInASpecificFormSFieldInTheLastXDays",
        "Contact has entered a specific value in a form field in the last X days",
        "Contact {_perfectum} entered value {value} in form field {field} "
        "in the last {days} day(s)",
        '{_perfectum}Contact.FilledFormFieldWithValue("{field}", "{value}", ToInt({days}))',
        (
            _P["_perfectum"],
            ParameterDef("field", "select form field", shape=_FORM_FIELD),
            _text("value", "enter value", required=False),
            _days(),
        ),
        "Form data in conditions: a value a contact submitted in a form field contains the "
        "text (ignoring case); the field is 'site;form;field' code names.",
        ('{_perfectum}Contact.FilledFormFieldWithValue("{field}", "{value}", {days});',),
    ),
    RuleDef(
        "CMSContactHasVisitedSpecifiedPageInLastXDays",
        "Contact has visited the specified page in the last X days",
        "Contact {_perfectum} visited page {page} in the last {days} day(s)",
        '{_perfectum}Contact.VisitedPage("{page}", ToInt({days}))',
        (_P["_perfectum"], _text("page", "select page"), _days()),
        "Page path, such as /Products/Coffee.",
    ),
    RuleDef(
        "CMSContactHasDownloadedSpecifiedFileInLastXDays",
        "Contact has downloaded the specified file in the last X days",
        "Contact {_perfectum} downloaded file {item} in the last {days} day(s)",
        '{_perfectum}Contact.VisitedPage("{item}", ToInt({days}))',
        (_P["_perfectum"], _text("item", "select file"), _days()),
        "The file's path, such as /Campaign-assets/whitepaper.pdf (a visit of that page).",
    ),
    RuleDef(
        # Kentico Xperience's name for the visited-page rule (no time window).
        "CMSContactHasVisitedPage",
        "Contact has visited the specified page",
        "Contact {_perfectum} visited page {page}",
        '{_perfectum}Contact.VisitedPage("{page}")',
        (_P["_perfectum"], _text("page", "select page")),
        "Page path, such as /Products/Coffee, at any time.",
    ),
    RuleDef(
        # Kentico Xperience's name for the submitted-form rule (no time window).
        "CMSContactHasSubmittedForm",
        "Contact has submitted the specified form",
        "Contact {_perfectum} submitted form {form}",
        '{_perfectum}Contact.SubmittedForm("{form}")',
        (_P["_perfectum"], _text("form", "select form")),
        "Form code name, at any time.",
    ),
    RuleDef(
        "CMSCurrentDatetimeIsInRange",
        "Current date/time is in the range",
        "Current date/time is between {date1} and {date2}",
        'CurrentDateTime.Between(ToSystemDateTime("{date1}"), ToSystemDateTime("{date2}"))',
        (ParameterDef("date1", "enter date", ValueType.DATETIME, shape=_DATE),
         ParameterDef("date2", "enter date", ValueType.DATETIME, shape=_DATE)),
        "Dates in UTC, month first (12/31/2026 5:30 PM) or ISO (2026-12-31 17:30).",
    ),
    RuleDef(
        "CMSContactHasLoggedInInTheLastXDays",
        "Contact has logged in in the last X days",
        "Contact {_perfectum} logged in in the last {days} day(s)",
        "{_perfectum}Contact.LoggedIn(ToInt({days}))",
        (_P["_perfectum"], _days()),
    ),
    RuleDef(
        "CMSContactHasOpenedSpecifiedEmailInTheLastXDays",
        "Contact has opened the specified email in the last X days",
        "Contact {_perfectum} opened email {email} in the last {days} day(s)",
        '{_perfectum}Contact.OpenedEmail("{email}", ToInt({days}))',
        (_P["_perfectum"], _text("email", "select email"), _days()),
    ),
    RuleDef(
        "CMSContactHasClickedLinkInSpecifiedEmailInTheLastXDays",
        "Contact has clicked a link in the specified email in the last X days",
        "Contact {_perfectum} clicked a link in email {email} in the last {days} day(s)",
        '{_perfectum}Contact.ClickedLinkInEmail("{email}", ToInt({days}))',
        (_P["_perfectum"], _text("email", "select email"), _days()),
    ),
    RuleDef(
        "CMSContactFieldContainsValue",
        "Contact field contains value",
        "Contact field {field} {op} {value}",
        'Contact.ContactFieldContainsValue("{field}", "{op}", "{value}")',
        (
            ParameterDef("field", "select field", choices=tuple(Choice(v, t) for v, t in _FIELDS),
                         shape=_CUSTOM_FIELD),
            ParameterDef(
                "op",
                "select operator",
                default="Contains",
                required=False,
                choices=tuple(Choice(v, t) for v, t in _FIELD_OPERATORS),
            ),
            _text("value", "enter value", required=False),
        ),
        "Compares a contact field (a custom field too, by its code name) with a text, "
        "ignoring case.",
        ('Contact.{field}.{op}("{value}")',),
    ),
    RuleDef(
        "CMSContactAgeIsBetween",
        "Contact age is between",
        "Contact age {_is} between {age1} and {age2}",
        "{_is}Contact.ContactAge.Between(ToInt({age1}), ToInt({age2}))",
        (
            _P["_is"],
            ParameterDef("age1", "enter age", ValueType.INTEGER),
            ParameterDef("age2", "enter age", ValueType.INTEGER),
        ),
        "Whole years since the birthday, bounds included.",
    ),
    RuleDef(
        "CMSContactIsMale",
        "Contact is male",
        "Contact {_is} male",
        "{_is}(Contact.ContactGender == Gender.Male)",
        (_P["_is"],),
    ),
    RuleDef(
        "CMSContactIsFemale",
        "Contact is female",
        "Contact {_is} female",
        "{_is}(Contact.ContactGender == Gender.Female)",
        (_P["_is"],),
    ),
    RuleDef(
        "CMSContactIsFromCountry",
        "Contact is from country",
        "Contact {_is} from any of the following countries: {countries}",
        '{_is}Contact.IsFromCountry("{countries}")',
        (_P["_is"], _text("countries", "select countries", multiple=True)),
        "Country display names or code names (CzechRepublic) separated by semicolons, as in "
        "Kentico; a two-letter code (CZ) also works, an extension of this application.",
    ),
    RuleDef(
        "CMSContactIsInContactGroup",
        "Contact is in contact group",
        "Contact {_is} in {_any} of the contact groups: {groups}",
        '{_is}Contact.IsInContactGroup("{groups}", {_any})',
        (_P["_is"], _P["_any"], _text("groups", "select contact groups", multiple=True)),
        "Contact group code names separated by semicolons.",
    ),
    RuleDef(
        "CMSContactBelongsToAccount",
        "Contact belongs to account",
        "Contact {_is} in account {account}",
        "{_is}Contact.BelongsToAccount({account})",
        (_P["_is"], ParameterDef("account", "enter account id", ValueType.INTEGER)),
        "The account's id (Kentico's rule takes the id, not the name).",
    ),
)

_BY_NAME: dict[str, RuleDef] = {rule.code_name.lower(): rule for rule in RULES}
