"""How the condition language maps onto our tables (the ``SqlBinding`` of ``conditions``).

Kentico member names become columns of ``contact`` (alias ``c``); ``ContactAge`` is computed
from the birthday at the evaluation instant, and custom fields are read from their own table.
"""

from __future__ import annotations

import peewee as pw

from conditions import Compiler, Dialect, Fragment, Schema, Type

MEMBER_COLUMNS: dict[str, str] = {
    "Contact.ContactID": "id",
    "Contact.ContactFirstName": "first_name",
    "Contact.ContactLastName": "last_name",
    "Contact.ContactEmail": "email",
    "Contact.ContactCompanyName": "company",
    "Contact.ContactJobTitle": "job_title",
    "Contact.ContactMobilePhone": "phone",
    "Contact.ContactCity": "city",
    "Contact.ContactCountryCode": "country_code",
    "Contact.ContactCountryName": "country_name",
    "Contact.ContactGender": "gender",
    "Contact.ContactStatus": "status",
    "Contact.ContactScore": "score",
    "Contact.ContactCreated": "created",
    "Contact.ContactLastModified": "modified",
}
RELATION_COUNTS = {
    "Contact.ContactGroups.Count": "(SELECT COUNT(*) FROM membership m WHERE m.contact_id = c.id)",
    "Contact.Accounts.Count":
        "(SELECT COUNT(*) FROM account_contact ac WHERE ac.contact_id = c.id)",
}
RELATION_ITEMS: dict[str, tuple[str, str, str]] = {
    "Contact.ContactGroups": ("membership", "group_id", "contact_group"),
    "Contact.Accounts": ("account_contact", "account_id", "account"),
}
"""Where a collection's items are: the link table (whose ``contact_id`` is the contact), its
column holding the item's id, and the items' table. Membership of any source counts."""
ITEM_COLUMNS: dict[str, dict[str, str]] = {
    "Contact.ContactGroups": {
        "ContactGroup.ContactGroupID": "id",
        "ContactGroup.ContactGroupName": "code_name",
        "ContactGroup.ContactGroupDisplayName": "display_name",
        "ContactGroup.ContactGroupDescription": "description",
    },
    "Contact.Accounts": {
        "Account.AccountID": "id",
        "Account.AccountName": "name",
        "Account.AccountCity": "city",
        "Account.AccountCountryCode": "country_code",
        "Account.AccountCreated": "created",
    },
}
"""The columns of a collection's items by their members' declared names."""
ITEM_ALIAS = "rel_item"
_ITEM_MEMBERS = {name: column for columns in ITEM_COLUMNS.values()
                 for name, column in columns.items()}
BIRTHDAY = Fragment("c.birthday")
COMPUTED_MEMBERS = ("Contact.ContactAge", "Contact.ContactAgeOfBirthday",
                    "Contact.ContactBirthday")
KENTICO_MEMBERS: dict[str, tuple[str, Type]] = {
    "ContactMiddleName": ("middle_name", Type.STRING),
    "ContactAddress1": ("address", Type.STRING),
    "ContactZIP": ("zip", Type.STRING),
    "ContactBusinessPhone": ("business_phone", Type.STRING),
    "ContactMonitored": ("monitored", Type.BOOL),
    "ContactOwnerUserID": ("owner_user_id", Type.INT),
    "ContactCountryID": ("country_id", Type.INT),
    "ContactStateID": ("state_id", Type.INT),
    "ContactStatusID": ("status_id", Type.INT),
}
"""Kentico's own contact columns the language's built-in schema leaves out; the store declares
them (with custom fields) so that a migrated ``ContactStatusID == 2`` checks and runs."""
MEMBER_COLUMNS.update({f"Contact.{name}": column
                       for name, (column, _) in KENTICO_MEMBERS.items()})


class ContactBinding:
    """The SQL binding for one engine; ``schema`` knows the installation's custom fields."""

    contact_table = "contact"
    contact_alias = "c"
    contact_id = "id"
    live_predicate = "c.merged_into_id IS NULL"

    def __init__(self, dialect: Dialect, schema: Schema) -> None:
        self.dialect = dialect
        self.schema = schema

    @classmethod
    def for_database(cls, db: pw.Database, schema: Schema) -> ContactBinding:
        """The binding for ``db``, opened by ``store.db.database.connect`` (its dialect)."""
        return cls(db.dialect, schema)

    def schema_member(self, field: str) -> str:
        """``ContactEmail`` (any case) → ``Contact.ContactEmail``, as the schema declares it."""
        return self.schema.canonical(f"Contact.{field}") or f"Contact.{field}"

    def member_sql(self, name: str, compiler: Compiler) -> Fragment:
        if name in MEMBER_COLUMNS:
            return Fragment(f"c.{MEMBER_COLUMNS[name]}")
        if name == "Contact.ContactBirthday":
            return self.dialect.date_as_datetime(compiler, BIRTHDAY)
        if name in _ITEM_MEMBERS:  # inside Exists(...): the item's row
            return Fragment(f"{ITEM_ALIAS}.{_ITEM_MEMBERS[name]}")
        if name in RELATION_COUNTS:
            return Fragment(RELATION_COUNTS[name])
        if name == "Contact.ContactAge":  # hand-written K#: 0 without a birthday
            return compiler.fmt("COALESCE({}, 0)", self._age(compiler))
        if name == "Contact.ContactAgeOfBirthday":  # the designer's rule: null without one
            return self._age(compiler)
        field = name.split(".", 1)[1]
        return compiler.fmt(
            "(SELECT v.value FROM contact_field_value v JOIN custom_field f "
            "ON f.id = v.field_id WHERE v.contact_id = c.id AND f.name = {})",
            compiler.param(field))

    def exists_sql(self, relation: str, where: Fragment | None, compiler: Compiler
                   ) -> Fragment:
        """The contact has an item of ``relation`` meeting ``where`` (a correlated EXISTS:
        the predicate may read the contact's own members too)."""
        link, key, table = RELATION_ITEMS[relation]
        rows = (f"SELECT 1 FROM {link} rel_link JOIN {table} {ITEM_ALIAS} "
                f"ON {ITEM_ALIAS}.id = rel_link.{key} WHERE rel_link.contact_id = c.id")
        if where is None:
            return Fragment(f"EXISTS ({rows})")
        return compiler.fmt(f"EXISTS ({rows} AND {{}})", where)

    def _age(self, compiler: Compiler) -> Fragment:
        """Whole years from the birthday to the evaluation instant's date."""
        return self.dialect.whole_years(compiler, BIRTHDAY, compiler.param(compiler.now))
