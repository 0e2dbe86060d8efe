"""Why a contact is in a condition-based group or not, as the group stands now.

The condition alone does not decide membership: an admin may have excluded the contact
(a rebuild never adds it back), added it by hand or through an account, merged it into
another contact, or the group may not have been rebuilt since the contact changed. Explain
(SPEC §5) states the final membership with the reason that decides it, then the condition's
value tree for the contact.
"""

from __future__ import annotations

from dataclasses import dataclass

from conditions import Explanation
from store.binding.condition_service import explain_contact
from store.db.models import Contact, Exclusion, GroupLike, Membership
from store.errors import NotFound
from store.reads.listing import GroupOfContact


@dataclass(frozen=True)
class GroupExplanation:
    """The contact's final membership in the group, its reason, and the condition's tree
    (``None`` for a merged contact, which no condition is evaluated for)."""

    member: bool
    reason: str
    condition: Explanation | None

    @property
    def verdict(self) -> str:
        return "member" if self.member else "not a member"

    def render(self) -> str:
        """The membership with its reason, then the condition's value for the contact."""
        lines = [f"{self.verdict}: {self.reason}"]
        if self.condition is not None:
            lines += [f"The condition is {self.condition.verdict} for this contact:",
                      self.condition.tree()]
        return "\n".join(lines)


def explain_in_group(group: GroupLike, contact_id: int) -> GroupExplanation:
    """The contact's membership in ``group`` with the reason that decides it."""
    contact = Contact.get_or_none(Contact.id == contact_id)
    if contact is None:
        raise NotFound(f"no contact with id {contact_id}")
    if contact.merged_into_id is not None:
        return GroupExplanation(False, f"merged into contact #{contact.merged_into_id}, "
                                       "which holds its memberships now", None)
    condition = explain_contact(group.condition or "", contact_id)
    excluded = Exclusion.get_or_none((Exclusion.group == group.id)
                                     & (Exclusion.contact == contact_id))
    if excluded is not None:
        return GroupExplanation(False, f"excluded by {excluded.actor} on "
                                       f"{excluded.at:%Y-%m-%d %H:%M}; rebuilds keep it out "
                                       "until it is re-included (x, then i, on the group's "
                                       "Contacts tab)", condition)
    row = Membership.get_or_none((Membership.group == group.id)
                                 & (Membership.contact == contact_id))
    if row is not None:
        return GroupExplanation(True, _member_reason(row, condition), condition)
    if condition.member:
        return GroupExplanation(False, "the condition is true, but the group has not been "
                                       "rebuilt since (R rebuilds it)", condition)
    return GroupExplanation(False, "the condition is not true and nobody added it by hand "
                                   "or through an account", condition)


def _member_reason(row: Membership, condition: Explanation) -> str:
    reasons = GroupOfContact(row.group_id, "", "", bool(row.from_condition),
                             bool(row.from_account), bool(row.manual)).reasons()
    text = f"in by {reasons}"
    if row.from_condition and not condition.member:
        held = row.manual or row.from_account
        text += ("; the condition is no longer true, so the next rebuild "
                 + ("drops the condition flag" if held else "removes it"))
    return text
