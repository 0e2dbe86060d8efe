"""Kentico's contact methods over our tables: evaluation and SQL translation side by side.

Each method has an in-memory half (``<name>_eval(context, *args)``, over the rows of one
contact that :class:`store.binding.condition_context.ContactContext` loads) and a SQL half
(``<name>_sql(compiler, *args)``, a never-NULL predicate over the contact alias ``c``). The two
halves are written independently and must agree; the differential tests in
``tests/store/test_condition_differential.py`` hold them to it. Shared rules:

- ``days <= 0`` means any time; otherwise an event counts at or after ``now - days``.
- ``;``-separated lists are compared case-insensitively. Activity type lists are split as
  Kentico splits them, items not trimmed (``"a; b"`` names ``" b"``); form and group lists are
  trimmed. An empty list means "any" (activity types, forms, emails) — except group lists,
  where it matches nothing (or everything, with ``all``).
- "All of a list" means as many matches as the list has items (Kentico counts them), so a
  list naming an item twice is never satisfied.
- Text comparisons are case-insensitive, null behaves as the empty string, and ``%``, ``_``
  and ``\\`` in values are literal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from conditions import (
    LIKE_PATTERN_LIMIT,
    Fragment,
    Registry,
    ascii_folding_suffices,
    default_registry,
    fold_case,
    like_escape,
    url_path,
)
from conditions.vocabulary import account_id, form_field_reference

if TYPE_CHECKING:
    from conditions import Compiler
    from store.binding.condition_context import ContactContext

CODE_NAME_NOISE = (" ", "-", "'", ".")
# Beyond this many countries the LIKE guard of _code_name_in costs more per contact than
# the stripping it saves: 15,000 of them took a 20,000-contact rebuild from 0.2 s to 135 s.
CODE_NAME_GUARD_ITEMS = 20


def split_items(text: object) -> list[str]:
    """``"a; B;"`` → ``["a", "b"]``."""
    if text is None:
        return []
    return [_lower(item.strip()) for item in str(text).split(";") if item.strip()]


def activity_types(text: object) -> list[str]:
    """Kentico's split of an activity type list: ``"a; B"`` → ``["a", " b"]``, null or
    empty → ``[]`` (any type). Items keep their spaces, as ``String.Split`` leaves them."""
    if text is None or text == "":
        return []
    return [_lower(item) for item in str(text).split(";")]


def since(now: dt.datetime, days: int) -> dt.datetime | None:
    """The start of the "last ``days`` days" window; None for any time — also when the start
    would fall before the year 1 (``LoggedIn(2147483647)``): every stored time is after it."""
    if not days or days <= 0:
        return None
    try:
        return now - dt.timedelta(days=days)
    except OverflowError:
        return None


def country_code_name(name: str) -> str:
    """``Czech Republic`` → ``czechrepublic``: Kentico's code-name form, lowercased."""
    text = _lower(name)
    for noise in CODE_NAME_NOISE:
        text = text.replace(noise, "")
    return text


def _lower(value: object) -> str:
    return "" if value is None else fold_case(str(value))


# --- SQL building blocks ----------------------------------------------------------------


def _in_list(c: Compiler, column: str, items: Sequence[str]) -> Fragment:
    """``column``, a NOT NULL key (a type, a form, a code name), is one of ``items``."""
    return c.folded_in(Fragment(column), items, not_null=True)


def _exists(c: Compiler, table: str, conditions: list[Fragment]) -> Fragment:
    """``EXISTS (SELECT 1 FROM <table> WHERE <all conditions>)``."""
    return c.fmt(f"EXISTS (SELECT 1 FROM {table} WHERE {{}})", c.join(" AND ", conditions))


def _has_rows(c: Compiler, table: str, key: str, conditions: list[Fragment],
              *, selective: bool) -> Fragment:
    """The contact has rows of ``table`` (``key`` is their contact id) meeting ``conditions``.

    Without semi joins (SQLite) a selective set (a type, a form, an account) is computed
    once as an uncorrelated ``c.id IN (SELECT key …)`` instead of being probed for every
    contact; keys are NOT NULL, so the test stays two-valued. PostgreSQL gets the correlated
    EXISTS, which it turns into a semi join — and, under NOT, an anti join, which a NOT IN
    would not be.
    """
    if selective and not c.dialect.semi_joins:
        where = c.join(" AND ", conditions) if conditions else Fragment("1 = 1")
        ids = c.contact_set(c.fmt(f"SELECT {key} FROM {table} WHERE {{}}", where))
        return c.fmt(f"{c.contact_alias}.id IN ({{}})", ids)
    return _exists(c, table, [Fragment(f"{key} = {c.contact_alias}.id"), *conditions])


def _window(c: Compiler, column: str, days: int) -> list[Fragment]:
    start = since(c.now, days)
    return [] if start is None else [c.fmt(f"{column} >= {{}}", c.param(start))]


def _activity_exists(c: Compiler, types: Sequence[str], days: int,
                     extra: Sequence[Fragment] = ()) -> Fragment:
    conditions = [_in_list(c, "a.type", types)] if types else []
    return _has_rows(c, "activity a", "a.contact_id",
                     [*conditions, *_window(c, "a.at", days), *extra], selective=bool(types))


def _text_equals(c: Compiler, column: str, value: object) -> Fragment:
    return c.folded_in(Fragment(column), [_lower(value)])


# --- activities -------------------------------------------------------------------------


def _cancel_type(cancel: str | None) -> str | None:
    """DidActivity's ``cancelType``: one type (a ``;`` in it is part of the name), or None."""
    return None if cancel is None or cancel == "" else _lower(cancel)


def did_activity_eval(ctx: ContactContext, types: str | None, cancel: str | None,
                      days: int) -> bool:
    """An activity counts unless a later one of ``cancel`` type has its item; an activity
    without an item is never cancelled (Kentico compares item ids with ``=``)."""
    wanted, cancels = activity_types(types), _cancel_type(cancel)
    start = since(ctx.now, days)
    activities = ctx.activities()
    for act in activities:
        if (wanted and _lower(act.type) not in wanted) or (start and act.at < start):
            continue
        cancelled = cancels is not None and act.item not in (None, "") and any(
            _lower(other.type) == cancels and other.item == act.item and other.at > act.at
            for other in activities)
        if not cancelled:
            return True
    return False


def did_activity_sql(c: Compiler, types: str | None, cancel: str | None, days: int) -> Fragment:
    cancels = _cancel_type(cancel)
    extra = []
    if cancels is not None:
        extra.append(c.fmt(
            "NOT EXISTS (SELECT 1 FROM activity x WHERE x.contact_id = a.contact_id "
            "AND x.item = a.item AND x.item <> '' AND x.at > a.at AND {})",
            _in_list(c, "x.type", [cancels])))
    return _activity_exists(c, activity_types(types), days, extra)


def all_satisfiable(items: Sequence[str]) -> bool:
    """Whether "all of ``items``" can hold: Kentico compares the number of matches with the
    number of items, and one thing matches a repeated item only once."""
    return len(set(items)) == len(items)


def did_activities_eval(ctx: ContactContext, types: str, days: int, all_: bool) -> bool:
    wanted, start = activity_types(types), since(ctx.now, days)
    if all_ and not wanted:
        return True
    seen = {_lower(a.type) for a in ctx.activities() if not start or a.at >= start}
    if not wanted:
        return bool(seen)
    if all_:
        return all_satisfiable(wanted) and set(wanted) <= seen
    return bool(seen & set(wanted))


def did_activities_sql(c: Compiler, types: str, days: int, all_: bool) -> Fragment:
    wanted = activity_types(types)
    if not all_:
        return _activity_exists(c, wanted, days)
    if not wanted:
        return Fragment(c.dialect.true)
    if not all_satisfiable(wanted):
        return Fragment(c.dialect.false)
    return c.fmt("({})", c.join(" AND ", [_activity_exists(c, [t], days)
                                          for t in sorted(wanted)]))


def _typed_activity_eval(activity_type: str, match: Callable[[Any], bool]
                         ) -> Callable[[ContactContext, int], bool]:
    def evaluate(ctx: ContactContext, days: int) -> bool:
        start = since(ctx.now, days)
        return any(_lower(a.type) == activity_type and (not start or a.at >= start) and match(a)
                   for a in ctx.activities())
    return evaluate


def visited_page_eval(ctx: ContactContext, path: str, days: int) -> bool:
    """A visit of the page: the path of the visited URL (``conditions.url_path``) is the
    path asked for, so scheme, host, query, fragment, case and a trailing slash don't count."""
    wanted = url_path(path or "")
    return _typed_activity_eval(
        "pagevisit", lambda a: a.url is not None and url_path(a.url) == wanted)(ctx, days)


def visited_page_sql(c: Compiler, path: str, days: int) -> Fragment:
    """Tested on the activity's ``page`` column, which the database keeps (see
    ``store.db.page_column``): one index range instead of every visit's URL."""
    return _activity_exists(c, ["pagevisit"], days,
                            [c.dialect.page_is(c, "a", url_path(path or ""))])


def logged_in_eval(ctx: ContactContext, days: int) -> bool:
    return _typed_activity_eval("userlogin", lambda a: True)(ctx, days)


def logged_in_sql(c: Compiler, days: int) -> Fragment:
    return _activity_exists(c, ["userlogin"], days)


def _email_activity(activity_type: str) -> tuple[Callable[..., bool], Callable[..., Fragment]]:
    """Opened / clicked an email (``item``); an empty email name means any email."""
    def evaluate(ctx: ContactContext, email: str, days: int) -> bool:
        wanted = _lower(email)
        return _typed_activity_eval(
            activity_type, lambda a: not wanted or _lower(a.item) == wanted)(ctx, days)

    def to_sql(c: Compiler, email: str, days: int) -> Fragment:
        extra = [_text_equals(c, "a.item", email)] if _lower(email) else []
        return _activity_exists(c, [activity_type], days, extra)

    return evaluate, to_sql


opened_email_eval, opened_email_sql = _email_activity("newsletteropen")
clicked_email_eval, clicked_email_sql = _email_activity("newsletterclickthrough")


# --- forms ------------------------------------------------------------------------------


def submitted_form_eval(ctx: ContactContext, form: str, days: int) -> bool:
    forms, start = split_items(form), since(ctx.now, days)
    return any((not forms or _lower(s.form) in forms) and (not start or s.at >= start)
               for s in ctx.submissions())


def submitted_form_sql(c: Compiler, form: str, days: int) -> Fragment:
    conditions = _window(c, "s.at", days)
    forms = split_items(form)
    if forms:
        conditions.append(_in_list(c, "s.form", forms))
    return _has_rows(c, "form_submission s", "s.contact_id", conditions,
                     selective=bool(forms) or bool(conditions))


def filled_form_field_eval(ctx: ContactContext, field: str, value: str, days: int) -> bool:
    """A submission on the site, of the form, whose field contains ``value`` (ignoring
    case); a field that is not ``site;form;field`` matches nothing, as Kentico's fails."""
    reference = form_field_reference(field)
    if reference is None:
        return False
    site, form, name = (_lower(part) for part in reference)
    wanted, start = _lower(value), since(ctx.now, days)
    return any(
        _lower(s.site) == site and _lower(s.form) == form and (not start or s.at >= start)
        and any(_lower(f) == name and wanted in _lower(v) for f, v in s.fields)
        for s in ctx.submissions())


def filled_form_field_sql(c: Compiler, field: str, value: str, days: int) -> Fragment:
    reference = form_field_reference(field)
    if reference is None:
        return Fragment(c.dialect.false)
    site, form, name = reference
    conditions = [*_window(c, "s.at", days), Fragment("v.submission_id = s.id"),
                  Fragment("si.id = s.site_id"), _text_equals(c, "si.code_name", site),
                  _text_equals(c, "s.form", form), _text_equals(c, "v.field", name),
                  c.folded_like(Fragment("v.value"), f"%{like_escape(value)}%")]
    return _has_rows(c, "form_submission s, form_field_value v, site si", "s.contact_id",
                     conditions, selective=True)


# --- contact data -----------------------------------------------------------------------


def is_from_country_eval(ctx: ContactContext, countries: str) -> bool:
    wanted = set(split_items(countries))
    code = _lower(ctx.member("Contact.ContactCountryCode"))
    name = _lower(ctx.member("Contact.ContactCountryName"))
    candidates = {code, name, country_code_name(name)} - {""}
    return bool(wanted & candidates)


def is_from_country_sql(c: Compiler, countries: str) -> Fragment:
    wanted = split_items(countries)
    if not wanted:
        return Fragment(c.dialect.false)
    # The noise is ASCII punctuation, which case folding neither makes nor removes, so it
    # can be stripped before the folded comparison.
    name = f"{c.contact_alias}.country_name"
    code_name = name
    for noise in CODE_NAME_NOISE:
        code_name = f"replace({code_name}, '{noise.replace(chr(39), chr(39) * 2)}', '')"
    return c.fmt("({} OR {} OR {})",
                 c.folded_in(Fragment(f"{c.contact_alias}.country_code"), wanted),
                 c.folded_in(Fragment(name), wanted),
                 _code_name_in(c, Fragment(name), Fragment(code_name), wanted))


def _code_name_in(c: Compiler, name: Fragment, code_name: Fragment, wanted: Sequence[str]
                  ) -> Fragment:
    """The stripped name is one of ``wanted``; where LIKE guards pay (SQLite), only names
    that could be are tested.

    Stripping costs SQLite several string copies per row, more than the rest of a typical
    condition. A name can only strip to ``us`` if it holds a ``u`` and later an ``s``
    (``LIKE '%u%s%'``, a cheap test in C), so only those names are stripped. SQLite's LIKE
    folds ASCII only: a character it might not match (see ``ascii_folding_suffices``) is a
    ``_`` in the pattern, which keeps the guard sound because folding keeps lengths.
    """
    test = c.folded_in(code_name, wanted)
    if not c.dialect.like_guards_pay:
        return test
    patterns = ["%" + "%".join(like_escape(char) if ascii_folding_suffices(char) else "_"
                               for char in item) + "%" for item in wanted]
    if len(patterns) > CODE_NAME_GUARD_ITEMS or any(
            len(pattern.encode()) > LIKE_PATTERN_LIMIT for pattern in patterns):
        return test  # a guard dearer than stripping every name, or one SQLite refuses
    could_match = c.join(" OR ", [c.fmt("{} LIKE {} ESCAPE '\\'", name, c.param(pattern))
                                  for pattern in patterns])
    return c.fmt("CASE WHEN {} THEN {} ELSE 0 END", could_match, test)


def is_in_contact_group_eval(ctx: ContactContext, groups: str, all_: bool) -> bool:
    wanted, mine = split_items(groups), {_lower(g) for g in ctx.group_codes()}
    if all_:
        return all_satisfiable(wanted) and set(wanted) <= mine
    return bool(set(wanted) & mine)


def is_in_contact_group_sql(c: Compiler, groups: str, all_: bool) -> Fragment:
    wanted = sorted(split_items(groups))
    if all_ and not wanted:
        return Fragment(c.dialect.true)
    if not wanted or (all_ and not all_satisfiable(wanted)):
        return Fragment(c.dialect.false)
    source = ("membership m JOIN contact_group g ON g.id = m.group_id "
              f"WHERE m.contact_id = {c.contact_alias}.id AND ")
    in_list = _in_list(c, "g.code_name", wanted)
    if not all_:
        return c.fmt(f"EXISTS (SELECT 1 FROM {source}{{}})", in_list)
    return c.fmt(f"((SELECT COUNT(*) FROM {source}{{}}) = {{}})", in_list, c.param(len(wanted)))


def belongs_to_account_eval(ctx: ContactContext, account: str | int | None) -> bool:
    """Kentico converts the argument to an account id; what is not one (a name) is 0."""
    wanted = account_id(account)
    return any(linked == wanted for linked, _ in ctx.accounts())


def belongs_to_account_sql(c: Compiler, account: str | int | None) -> Fragment:
    return _has_rows(c, "account_contact ac", "ac.contact_id",
                     [c.fmt("ac.account_id = {}", c.param(account_id(account)))], selective=True)


FIELD_TESTS: dict[str, Callable[[str, str], bool]] = {
    "contains": lambda text, needle: needle in text,
    "notcontains": lambda text, needle: needle not in text,
    "startswith": lambda text, needle: text.startswith(needle),
    "endswith": lambda text, needle: text.endswith(needle),
    "equals": lambda text, needle: text == needle,
    "notequals": lambda text, needle: text != needle,
}


def field_contains_value_eval(ctx: ContactContext, field: str, op: str, value: str) -> bool:
    text = _lower(ctx.member(ctx.schema_member(field)))
    return FIELD_TESTS[_lower(op)](text, _lower(value))


def field_contains_value_sql(c: Compiler, field: str, op: str, value: str) -> Fragment:
    member = c.binding.member_sql(c.binding.schema_member(field), c)
    column = c.fmt("CAST({} AS TEXT)", member)
    operation = _lower(op)
    if operation in ("equals", "notequals"):
        test = c.folded_in(column, [_lower(value)])
    else:
        mode = {"contains": "contains", "notcontains": "contains", "startswith": "starts",
                "endswith": "ends"}[operation]
        test = c.folded_affix(mode, column, value)
    return c.fmt("(NOT {})", test) if operation.startswith("not") else test


IMPLEMENTATIONS: dict[str, tuple[Callable[..., bool], Callable[..., Fragment] | None]] = {
    "DidActivity": (did_activity_eval, did_activity_sql),
    "DidActivities": (did_activities_eval, did_activities_sql),
    "SubmittedForm": (submitted_form_eval, submitted_form_sql),
    "FilledFormFieldWithValue": (filled_form_field_eval, filled_form_field_sql),
    "VisitedPage": (visited_page_eval, visited_page_sql),
    "LoggedIn": (logged_in_eval, logged_in_sql),
    "IsFromCountry": (is_from_country_eval, is_from_country_sql),
    "IsInContactGroup": (is_in_contact_group_eval, is_in_contact_group_sql),
    "BelongsToAccount": (belongs_to_account_eval, belongs_to_account_sql),
    "ContactFieldContainsValue": (field_contains_value_eval, field_contains_value_sql),
    "OpenedEmail": (opened_email_eval, opened_email_sql),
    "ClickedLinkInEmail": (clicked_email_eval, clicked_email_sql),
}


def contact_registry() -> Registry:
    """The language's registry with every contact method implemented by the store."""
    registry = default_registry()
    for name, (evaluate, to_sql) in IMPLEMENTATIONS.items():
        registry = registry.implement(name, evaluate=evaluate, to_sql=to_sql)
    return registry
