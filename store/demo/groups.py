"""The three sample groups, made through the store's own services."""

from __future__ import annotations

from store import accounts as account_service
from store import groups as group_service
from store import membership
from store.contact_sets import Selection
from store.settings import edition

INACTIVE_CONDITION = (
    '{%Rule("!Contact.DidActivity(null, null, ToInt(365))", "<rules><r pos=\\"0\\" par=\\"\\" '
    'op=\\"and\\" n=\\"CMSContactHasDoneAnyActivityInTheLastXDays\\" ><p n=\\"_perfectum\\">'
    "<t>has not</t><v>!</v><r>0</r><d>select operation</d><vt>text</vt><tv>0</tv></p>"
    '<p n=\\"days\\"><t>365</t><v>365</v><r>1</r><d>enter days</d><vt>integer</vt><tv>0</tv>'
    '</p></r></rules>")%}'
)


def create_sample_groups(vip_ids: list[int], key_account_ids: list[int]) -> int:
    """The three sample groups, filled through the membership services."""
    vip = group_service.create_group(
        "VIP customers", description="Our most engaged customers, picked by hand.")
    if vip_ids:
        membership.add_contacts(vip, Selection.of_ids(vip_ids))
    if edition() != "ems":
        return 1  # accounts and conditions need the EMS edition
    key = group_service.create_group(
        "Key accounts", description="Every contact of our most important accounts.")
    if key_account_ids:
        account_service.add_accounts(key, key_account_ids)
    group_service.create_group(
        "Inactive contacts", code_name="InactiveContacts",
        description="Contacts with no activity in the last 365 days.",
        condition=INACTIVE_CONDITION)
    return 3
