"""Accounts (companies) in groups, and contacts joining or leaving accounts (SPEC §4).

A contact is *from account* in a group while at least one account of the group holds it,
so removing one account, or a contact leaving one, keeps the flag where another account of
the same group still holds the contact.
"""

from __future__ import annotations

from collections.abc import Iterable

import peewee as pw

from store import audit
from store.actor import current_actor
from store.contact_sets import id_list
from store.contacts import touch_contact
from store.db.concurrency import begin_contact_change, lock_groups
from store.db.database import database_proxy
from store.db.models import (
    Account,
    AccountContact,
    Contact,
    GroupAccount,
    GroupLike,
    Membership,
)
from store.engine.reevaluate import Change, reevaluate_contact
from store.errors import NotFound
from store.membership import check_contact_ids, finish_change, grant, revoke
from store.settings import require_ems

ACCOUNTS_FEATURE = "Accounts in contact groups"


def get_account(name: str) -> Account:
    account = Account.get_or_none(pw.fn.LOWER(Account.name) == name.strip().lower())
    if account is None:
        raise NotFound(f"no account named '{name}'")
    return account


def _contacts_of(accounts: pw.Node) -> pw.SelectQuery:
    """Ids of contacts linked to any of the accounts ``accounts`` selects."""
    return AccountContact.select(AccountContact.contact).where(AccountContact.account.in_(accounts))


def held_by_group_accounts(group_id: int) -> pw.SelectQuery:
    """Ids of contacts that some account of the group holds."""
    return _contacts_of(GroupAccount.select(GroupAccount.account)
                        .where(GroupAccount.group == group_id))


def _check_account_ids(ids: frozenset[int]) -> None:
    found = {a.id for a in Account.select(Account.id).where(Account.id.in_(id_list(ids)))}
    missing = sorted(ids - found)
    if missing:
        raise NotFound(f"no account with id {missing[0]}")


def add_accounts(group: GroupLike, account_ids: Iterable[int],
                 actor: str | None = None) -> int:
    """Add accounts and, *from account*, all their live contacts. Returns accounts added."""
    require_ems(ACCOUNTS_FEATURE)
    actor = actor or current_actor()
    ids = frozenset(account_ids)
    _check_account_ids(ids)
    with database_proxy.atomic():
        lock_groups([group.id])
        present = {row.account_id for row in GroupAccount.select(GroupAccount.account).where(
            (GroupAccount.group == group.id) & GroupAccount.account.in_(id_list(ids)))}
        new = sorted(ids - present)
        for account_id in new:
            GroupAccount.create(group=group.id, account=account_id)
            audit.record_account(group.id, account_id, audit.ADDED, actor)
        gained = grant(group.id, _contacts_of(id_list(new)), Membership.from_account,
                       audit.SOURCE_ACCOUNT, actor)
        finish_change(group, gained)
    return len(new)


def remove_accounts(group: GroupLike, account_ids: Iterable[int] | None = None,
                    actor: str | None = None) -> int:
    """Remove the given accounts (all when ``None``). Returns accounts removed."""
    actor = actor or current_actor()
    in_group = GroupAccount.select(GroupAccount.account).where(GroupAccount.group == group.id)
    if account_ids is not None:
        in_group = in_group.where(GroupAccount.account.in_(id_list(account_ids)))
    with database_proxy.atomic():
        lock_groups([group.id])
        removed = [row.account_id for row in in_group]
        if not removed:
            return 0
        GroupAccount.delete().where((GroupAccount.group == group.id)
                                    & GroupAccount.account.in_(id_list(removed))).execute()
        for account_id in removed:
            audit.record_account(group.id, account_id, audit.REMOVED, actor)
        released = _contacts_of(id_list(removed)).where(
            AccountContact.contact.not_in(held_by_group_accounts(group.id)))
        lost = revoke(group.id, Membership.contact.in_(released), Membership.from_account,
                      audit.SOURCE_ACCOUNT, actor)
        finish_change(group, lost)
    return len(removed)


def _groups_holding(account_id: int) -> list[int]:
    return [row.group_id for row in GroupAccount.select(GroupAccount.group)
            .where(GroupAccount.account == account_id)]


def link_contact(account: Account, contact_id: int, role: str | None = None,
                 actor: str | None = None) -> None:
    """A contact joins an account; it joins, *from account*, every group holding the account."""
    actor = actor or current_actor()
    check_contact_ids(frozenset([contact_id]))
    with database_proxy.atomic():
        begin_contact_change(_groups_holding(account.id))
        touch_contact(contact_id)
        AccountContact.insert(account=account.id, contact=contact_id, role=role).on_conflict(
            conflict_target=[AccountContact.account, AccountContact.contact],
            update={AccountContact.role: role}).execute()
        for group_id in _groups_holding(account.id):
            grant(group_id, id_list([contact_id]), Membership.from_account,
                  audit.SOURCE_ACCOUNT, actor)
            audit.refresh_member_count(group_id)
        reevaluate_contact(contact_id, Change(accounts=True), actor)


def unlink_contact(account: Account, contact_id: int, actor: str | None = None) -> None:
    """A contact leaves an account; it keeps *from account* where another account holds it."""
    actor = actor or current_actor()
    with database_proxy.atomic():
        begin_contact_change(_groups_holding(account.id))
        touch_contact(contact_id)
        deleted = AccountContact.delete().where(
            (AccountContact.account == account.id) & (AccountContact.contact == contact_id)
        ).execute()
        if not deleted:
            raise NotFound(f"contact {contact_id} is not in account '{account.name}'")
        for group_id in _groups_holding(account.id):
            released = Contact.select(Contact.id).where(
                (Contact.id == contact_id) & Contact.id.not_in(held_by_group_accounts(group_id)))
            revoke(group_id, Membership.contact.in_(released), Membership.from_account,
                   audit.SOURCE_ACCOUNT, actor)
            audit.refresh_member_count(group_id)
        reevaluate_contact(contact_id, Change(accounts=True), actor)
