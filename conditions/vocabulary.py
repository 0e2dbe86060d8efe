"""Kentico's contact vocabulary, declared as data: members, constants, methods, activity types.

Names and signatures follow Kentico EMS so exported conditions check unchanged. Contact methods
are declared without implementations (the store attaches them); generic methods carry their
implementations from ``conditions.builtins``.
"""

from __future__ import annotations

import re

from conditions import builtins as b
from conditions.reads import ANY, UNKNOWN, Dependencies, split_list
from conditions.registry import Kind, MethodSpec, Registry, param
from conditions.types import Constant, Relation, Schema, Type

S, N, D, B, T, L = Type.STRING, Type.INT, Type.DECIMAL, Type.BOOL, Type.DATETIME, Type.STRING_LIST

CONTACT_MEMBERS: dict[str, Type] = {
    "ContactID": N,
    "ContactFirstName": S,
    "ContactLastName": S,
    "ContactEmail": S,
    "ContactCompanyName": S,
    "ContactJobTitle": S,
    "ContactMobilePhone": S,
    "ContactCity": S,
    "ContactCountryCode": S,
    "ContactCountryName": S,
    "ContactGender": N,  # 0 unknown, 1 male, 2 female
    "ContactAge": N,  # whole years, 0 without a birthday (see DESIGNER_MEMBERS)
    "ContactBirthday": T,
    "ContactStatus": S,
    "ContactScore": N,
    "ContactCreated": T,
    "ContactLastModified": T,
}

DESIGNER_MEMBERS: dict[str, str] = {"Contact.ContactAge": "Contact.ContactAgeOfBirthday"}
"""Members a designer rule reads differently from hand-written K#. Kentico translates a
designer rule by its own SQL, which leaves out contacts without a birthday from the age
rule (null age), while hand-written K# sees age 0 for them. In a ``Rule(...)`` condition
these members resolve to the names on the right."""

CONSTANTS: dict[str, Constant] = {
    "Gender.Unknown": Constant(N, 0),
    "Gender.Male": Constant(N, 1),
    "Gender.Female": Constant(N, 2),
}

ACTIVITY_TYPES: tuple[str, ...] = (
    "pagevisit",
    "landingpage",
    "bizformsubmit",
    "newsletteropen",
    "newsletterclickthrough",
    "newslettersubscription",
    "newsletterunsubscription",
    "purchase",
    "userlogin",
    "filedownload",
    "internalsearch",
)

RELATION_MEMBERS: dict[str, Type] = {"ContactGroups.Count": N, "Accounts.Count": N}
"""Kentico's collections of a contact by their count: how many contact groups the contact is
in, and how many accounts it belongs to. ``RELATIONS`` gives their ``.Exists(...)``."""

RELATIONS: tuple[Relation, ...] = (
    Relation("Contact.ContactGroups", "contact group", "ContactGroup", {
        "ContactGroupID": N,
        "ContactGroupName": S,  # the code name
        "ContactGroupDisplayName": S,
        "ContactGroupDescription": S,
    }),
    Relation("Contact.Accounts", "account", "Account", {
        "AccountID": N,
        "AccountName": S,
        "AccountCity": S,
        "AccountCountryCode": S,  # ours, as imports name it: Kentico keeps AccountCountryID
        "AccountCreated": T,
    }),
)
"""The items ``Contact.<collection>.Exists(predicate)`` tests, with the OM_ContactGroup and
OM_Account columns this application keeps (any source of membership counts)."""

CONTACT_SCHEMA = Schema({f"Contact.{name}": t
                         for name, t in {**CONTACT_MEMBERS, **RELATION_MEMBERS}.items()},
                        CONSTANTS, {relation.name: relation for relation in RELATIONS})
"""The built-in schema; the store adds custom fields with ``with_contact_fields``."""

FIELD_OPERATORS = ("Contains", "NotContains", "StartsWith", "EndsWith", "Equals", "NotEquals")


def _days(value: object) -> bool:
    """Whether a ``days`` argument makes the result change with time alone."""
    return value is UNKNOWN or (isinstance(value, int) and value > 0)


def _activities(*types: object, days: object = 0) -> Dependencies:
    found: frozenset[str] = frozenset()
    for t in types:
        found |= split_list(t)
    return Dependencies(activity_types=found, uses_now=_days(days))


def _did_activity(args: tuple) -> Dependencies:
    types, cancel, days = args
    cancels: frozenset[str] = frozenset()
    if cancel is UNKNOWN:
        cancels = frozenset({ANY})
    elif cancel is not None and cancel != "":
        cancels = frozenset({str(cancel).lower()})
    deps = _activities(types, days=days)
    return deps | Dependencies(activity_types=cancels)


FORM_FIELD_SHAPE = '"site;form;field" (for example "DancingGoat;ContactUs;Email")'


def form_field_reference(field: object) -> tuple[str, str, str] | None:
    """FilledFormFieldWithValue's field, Kentico's ``site;form;field`` code names; None for
    any other shape (on which Kentico's method fails: "not a member")."""
    if not isinstance(field, str):
        return None
    parts = field.split(";")
    if len(parts) != 3 or not all(part.strip() for part in parts):
        return None
    return parts[0], parts[1], parts[2]


def _form_field(args: tuple) -> Dependencies:
    reference = form_field_reference(args[0])
    form = ANY if reference is None else reference[1].lower()
    return Dependencies(activity_types=frozenset({"bizformsubmit"}), forms=frozenset({form}),
                        uses_now=_days(args[2]))


def _validate_form_field(args: tuple, schema: Schema) -> tuple[int, str] | None:
    field = args[0]
    if field is UNKNOWN or form_field_reference(field) is not None:
        return None
    shown = "null" if field is None else repr(field)
    return 0, f"the field of FilledFormFieldWithValue is {FORM_FIELD_SHAPE}, not {shown}"


_INT32 = 2**31


def account_id(account: object) -> int:
    """BelongsToAccount's argument as Kentico reads it (``ValidationHelper.GetInteger``): an
    id, or 0 (no account) for anything that is not a whole number."""
    number = b.to_int(account, 0) if isinstance(account, str | int) else 0
    return number if isinstance(number, int) and -_INT32 <= number < _INT32 else 0


def _validate_account(args: tuple, schema: Schema) -> tuple[int, str] | None:
    account = args[0]
    if not isinstance(account, str) or b.to_int(account, None) is not None:
        return None
    return 0, (f"BelongsToAccount takes the account's id, not {account!r} (Kentico reads a "
               "name as 0, no account): use the id, e.g. Contact.BelongsToAccount(12)")


def _validate_field_op(args: tuple, schema: Schema) -> tuple[int, str] | None:
    field, op = args[0], args[1]
    if isinstance(field, str) and schema.canonical(f"Contact.{field}") is None:
        return 0, f"unknown contact field '{field}'"
    if isinstance(op, str) and op.lower() not in {o.lower() for o in FIELD_OPERATORS}:
        return 1, f"unknown operator '{op}' (use one of {', '.join(FIELD_OPERATORS)})"
    return None


_GUID = re.compile(r"\{?[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}\}?")


def _validate_page(args: tuple, schema: Schema) -> tuple[int, str] | None:
    """Xperience's visited-page rule names the page by its GUID; pages here are paths."""
    if isinstance(args[0], str) and _GUID.fullmatch(args[0].strip()):
        return 0, (f"VisitedPage takes the page's path (such as /Products/Coffee), not a page "
                   f"GUID ({args[0].strip()}): this application does not know Xperience's pages")
    return None


def _contact(name: str, params, dependencies, doc: str, **extra) -> MethodSpec:
    return MethodSpec(name, Kind.CONTACT, tuple(params), B, dependencies=dependencies, doc=doc,
                      **extra)


CONTACT_METHODS: tuple[MethodSpec, ...] = (
    _contact(
        "DidActivity",
        [param("types", S, optional=True), param("cancelType", S, optional=True),
         param("days", N, optional=True, default=0)],
        _did_activity,
        "An activity of any of the ';'-separated types (null: any; items not trimmed) not "
        "cancelled by a later activity of the one type cancelType for the same item (an "
        "activity without an item is never cancelled), in the last `days` days (<= 0: any "
        "time).",
        refused=((3, "conditions never carry SQL: the fourth argument of DidActivity "
                     "(a SQL WHERE text) is not accepted"),),
    ),
    _contact(
        "DidActivities",
        [param("types", S), param("days", N, optional=True, default=0),
         param("all", B, optional=True, default=False)],
        lambda a: _activities(a[0], days=a[1]),
        "Any (all=false) or every (all=true) of the ';'-separated activity types (items not "
        "trimmed; a type named twice can never be 'all' done; an empty list with all=true "
        "holds for everyone).",
    ),
    _contact(
        "SubmittedForm",
        [param("form", S), param("days", N, optional=True, default=0)],
        lambda a: Dependencies(activity_types=frozenset({"bizformsubmit"}),
                               forms=split_list(a[0]), uses_now=_days(a[1])),
        "Submitted the form (code name) in the last `days` days.",
    ),
    _contact(
        "FilledFormFieldWithValue",
        [param("field", S), param("value", S), param("days", N, optional=True, default=0)],
        _form_field,
        "Submitted the form (field: 'site;form;field' code names) with a field value "
        "containing `value` (ignoring case) in the last `days` days.",
        validate=_validate_form_field,
    ),
    _contact(
        "VisitedPage",
        [param("path", S), param("days", N, optional=True, default=0)],
        lambda a: _activities("pagevisit", days=a[1]),
        "Visited the page (its path: scheme, host, query, fragment, case and a trailing "
        "slash of the visited URL do not count) in the last `days` days.",
        validate=_validate_page,
    ),
    _contact(
        "LoggedIn",
        [param("days", N, optional=True, default=0)],
        lambda a: _activities("userlogin", days=a[0]),
        "Logged in during the last `days` days.",
    ),
    _contact(
        "IsFromCountry",
        [param("countries", S)],
        lambda a: Dependencies(fields=frozenset({"ContactCountryCode", "ContactCountryName"})),
        "Country matches any ';'-separated item by display name or code name, as Kentico; "
        "the 2-letter code is our extension.",
    ),
    _contact(
        "IsInContactGroup",
        [param("groups", S), param("all", B, optional=True, default=False)],
        lambda a: Dependencies(groups=split_list(a[0])),
        "Member of any (all=false) or every (all=true) of the ';'-separated groups (a group "
        "named twice can never be 'all'; an empty list with all=true holds for everyone).",
    ),
    _contact(
        "BelongsToAccount",
        [param("account", S, N)],
        lambda a: Dependencies(accounts=True),
        "Belongs to the account with this id (Kentico takes an id; a name is refused).",
        validate=_validate_account,
    ),
    _contact(
        "ContactFieldContainsValue",
        [param("field", S), param("op", S), param("value", S)],
        lambda a: Dependencies(fields=frozenset({a[0] if isinstance(a[0], str) else ANY})),
        "The field compared with the value by op (Contains, NotContains, StartsWith, "
        "EndsWith, Equals, NotEquals); the negative operators also match empty fields.",
        validate=_validate_field_op,
    ),
    _contact(
        "OpenedEmail",
        [param("email", S), param("days", N, optional=True, default=0)],
        lambda a: _activities("newsletteropen", days=a[1]),
        "Opened the email (newsletter issue) in the last `days` days.",
    ),
    _contact(
        "ClickedLinkInEmail",
        [param("email", S), param("days", N, optional=True, default=0)],
        lambda a: _activities("newsletterclickthrough", days=a[1]),
        "Clicked a link in the email in the last `days` days.",
    ),
)


def _method(name, receiver, params, result, evaluate, to_sql, doc="") -> MethodSpec:
    return MethodSpec(name, Kind.METHOD, tuple(params), result, frozenset(receiver),
                      evaluate=evaluate, to_sql=to_sql, doc=doc)


def _function(name, params, result, evaluate, to_sql, doc="") -> MethodSpec:
    return MethodSpec(name, Kind.FUNCTION, tuple(params), result, evaluate=evaluate,
                      to_sql=to_sql, doc=doc)


_ITEMS = param("items", S, N, L, variadic=True)

GENERIC_METHODS: tuple[MethodSpec, ...] = (
    _method("Contains", {S}, [param("text", S)], B, b.contains, b.contains_sql),
    _method("NotContains", {S}, [param("text", S)], B, b.not_contains, b.not_contains_sql),
    _method("StartsWith", {S}, [param("text", S)], B, b.starts_with, b.starts_with_sql),
    _method("EndsWith", {S}, [param("text", S)], B, b.ends_with, b.ends_with_sql),
    _method("EqualsAny", {S, N}, [_ITEMS], B, b.equals_any, b.equals_any_sql),
    _method("InList", {S, N}, [_ITEMS], B, b.equals_any, b.equals_any_sql),
    _method("Split", {S}, [param("separator", S)], L, b.split, None),
    _method("ToLower", {S}, [], S, b.to_lower, b.to_lower_sql),
    _method("ToUpper", {S}, [], S, b.to_upper, b.to_upper_sql),
    _method("Between", {N, D}, [param("low", N, D), param("high", N, D)], B, b.between,
            b.between_sql),
    _method("Between", {T}, [param("low", T), param("high", T)], B, b.between, b.between_sql),
    _function("ToInt", [param("value", S, N, D, B), param("default", N, optional=True,
                                                           default=0)],
              N, b.to_int, b.to_int_sql),
    _function("ToDouble", [param("value", S, N, D, B), param("default", D, optional=True,
                                                              default=0.0)],
              D, b.to_double, b.to_double_sql),
    _function("ToBool", [param("value", S, N, D, B), param("default", B, optional=True,
                                                            default=False)],
              B, b.to_bool, b.to_bool_sql),
    _function("ToDateTime", [param("value", S, T), param("default", T, optional=True)],
              T, b.to_datetime, b.to_datetime_sql),
    _function("ToSystemDateTime", [param("value", S, T), param("default", T, optional=True)],
              T, b.to_datetime, b.to_datetime_sql),
    _function("IsNullOrEmpty", [param("value", S, N, D, B, T, L)], B, b.is_null_or_empty,
              b.is_null_or_empty_sql),
    _method("AddDays", {T}, [param("days", N, D)], T, b.add_days, b.shift_sql),
    _method("AddHours", {T}, [param("hours", N, D)], T, b.add_hours, b.shift_sql),
    _method("AddMonths", {T}, [param("months", N)], T, b.add_months, b.shift_sql),
    _method("AddYears", {T}, [param("years", N)], T, b.add_years, b.shift_sql),
    MethodSpec("Date", Kind.PROPERTY, (), T, frozenset({T}), evaluate=b.date_part,
               to_sql=b.date_part_sql),
    *(
        MethodSpec(part, Kind.PROPERTY, (), N, frozenset({T}),
                   evaluate=b.datetime_part(part)[0], to_sql=b.datetime_part(part)[1])
        for part in b.DATETIME_PARTS
    ),
)


EXACT_METHODS: dict[str, MethodSpec] = {spec.name.lower(): spec for spec in (
    _method("Contains", {S}, [param("text", S)], B, b.contains_exact, b.contains_exact_sql),
    _method("NotContains", {S}, [param("text", S)], B, b.not_contains_exact,
            b.not_contains_exact_sql),
    _method("StartsWith", {S}, [param("text", S)], B, b.starts_with_exact,
            b.starts_with_exact_sql),
    _method("EndsWith", {S}, [param("text", S)], B, b.ends_with_exact, b.ends_with_exact_sql),
    _method("EqualsAny", {S, N}, [_ITEMS], B, b.equals_any_exact, b.equals_any_exact_sql),
    _method("InList", {S, N}, [_ITEMS], B, b.equals_any_exact, b.equals_any_exact_sql),
)}
"""The case-sensitive twins of the string methods, for ``|(casesensitive)true``."""


def default_registry() -> Registry:
    """Every method of the language; contact methods still need ``Registry.implement``."""
    return Registry((*GENERIC_METHODS, *CONTACT_METHODS))
