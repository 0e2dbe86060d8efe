"""``import kentico DIR`` through a real process on both engines, from a folder built here in
Kentico's documented raw layouts: ids kept (not starting at 1), local times made UTC, a
merged-away contact absent, manual and account members, a group refused for a member we do
not model — and the members after the import equal the exported OM_ContactGroupMember."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from store.db.database import close, connect
from store.db.models import (
    Account,
    AccountContact,
    Activity,
    Contact,
    ContactFieldValue,
    ContactGroup,
    CustomField,
    FormSubmission,
    GroupAccount,
    Membership,
)

from .run import assert_clean_failure, cli

CONTACT_HEADER = (
    "ContactID", "ContactFirstName", "ContactMiddleName", "ContactLastName", "ContactEmail",
    "ContactCountryID", "ContactStateID", "ContactStatusID", "ContactGender",
    "ContactBirthday", "ContactMonitored", "ContactOwnerUserID", "ContactGUID",
    "ContactCreated", "ContactLastModified", "ContactCompanyName", "ContactAddress1",
    "ContactZIP", "ContactMobilePhone", "ContactBusinessPhone", "ContactNotes",
    "ContactSalesForceLeadID", "ContactFavouriteColour")
CONTACTS = (  # 1004 was merged into 1001 in Kentico: deleted, yet still named by a member row
    (1001, "Jana", "M", "Nová", "jana@example.cz", 326, "", 2, 2, "1980-05-01 00:00:00",
     "True", 53, "0b6e…", "2025-01-15 10:00:00", "2025-07-01 12:30:00", "Acme s.r.o.",
     "Vinohradská 1", "120 00", "+420 1", "+420 2", "likes tea", "", "green"),
    (1002, "Petr", "", "Svoboda", "petr@example.cz", 326, "", 5, 1, "", "False", "", "…",
     "2025-02-01 08:00:00", "2025-02-01 08:00:00", "", "", "", "", "", "", "", "red"),
    (1003, "Joe", "", "Doe", "joe@example.com", 271, 70, 2, 1, "", "False", "", "…",
     "2025-03-01 08:00:00", "2025-03-01 08:00:00", "", "", "", "", "", "", "", ""),
    (1005, "Eva", "", "Malá", "eva@example.cz", 349, "", "", 0, "", "", "", "…",
     "2025-03-02 08:00:00", "2025-03-02 08:00:00", "Globex", "", "", "", "", "", "", ""),
)
GROUPS = (
    (11, "CzechVIPs", "Czech VIPs", "VIP contacts in Czechia",
     "{%Contact.ContactCountryID == 326 && Contact.ContactStatusID == 2%}"),
    (12, "FormFillers", "Form fillers", "", '{%Contact.SubmittedForm("ContactUs")%}'),
    (13, "KeyPeople", "Key people", "Hand-picked", ""),
    (14, "Leads", "Salesforce leads", "", '{%Contact.ContactSalesForceLeadID != ""%}'),
)
MEMBERS = (  # (id, group, type, related id, from condition, from account, from manual)
    (1, 11, 0, 1001, 1, 0, 1),
    (2, 12, 0, 1002, 1, 0, 0),
    (3, 13, 0, 1003, 0, 0, 1),
    (4, 13, 0, 1004, 0, 0, 1),  # the merged-away contact
    (5, 13, 1, 501, 0, 0, 0),   # the account Acme in the group
    (6, 13, 0, 1001, 0, 1, 0),  # Acme's contact, from the account
    (7, 14, 0, 1001, 1, 0, 0),  # a group we refuse
)


def _write(folder: Path, table: str, header, rows) -> None:
    with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)


@pytest.fixture
def export(tmp_path) -> Path:
    folder = tmp_path / "kentico"
    folder.mkdir()
    _write(folder, "CMS_Country", ("CountryID", "CountryDisplayName", "CountryName",
                                   "CountryGUID", "CountryLastModified",
                                   "CountryTwoLetterCode", "CountryThreeLetterCode"),
           [(271, "USA", "USA", "g", "2013-01-01", "US", "USA"),
            (326, "Czech Republic", "CzechRepublic", "g", "2013-01-01", "CZ", "CZE"),
            (349, "Germany", "Germany", "g", "2013-01-01", "DE", "DEU")])
    _write(folder, "CMS_State", ("StateID", "StateDisplayName", "StateName", "StateCode",
                                 "CountryID", "StateGUID", "StateLastModified"),
           [(69, "Alabama", "Alabama", "AL", 271, "g", "2013-01-01"),
            (70, "Alaska", "Alaska", "AK", 271, "g", "2013-01-01")])
    _write(folder, "OM_ContactStatus", ("ContactStatusID", "ContactStatusName",
                                        "ContactStatusDisplayName",
                                        "ContactStatusDescription"),
           [(2, "VIP", "Very important", ""), (5, "Cold", "Cold lead", "no answer")])
    _write(folder, "OM_Contact", CONTACT_HEADER, CONTACTS)
    _write(folder, "OM_ContactRole", ("ContactRoleID", "ContactRoleName",
                                      "ContactRoleDisplayName", "ContactRoleDescription"),
           [(3, "Buyer", "Purchasing manager", "")])
    _write(folder, "OM_Account", ("AccountID", "AccountName", "AccountCity",
                                  "AccountCountryID", "AccountGUID", "AccountCreated",
                                  "AccountLastModified"),
           [(501, "Acme", "Praha", 326, "g", "2024-12-01 09:00:00", "2024-12-01 09:00:00"),
            (502, "Globex", "Berlin", 349, "g", "2024-12-01 09:00:00", "2024-12-01")])
    _write(folder, "OM_AccountContact", ("AccountContactID", "ContactRoleID", "AccountID",
                                         "ContactID"), [(1, "", 501, 1001), (2, 3, 502, 1005)])
    _write(folder, "OM_Activity", ("ActivityID", "ActivityContactID", "ActivityCreated",
                                   "ActivityType", "ActivityItemID", "ActivityItemDetailID",
                                   "ActivityValue", "ActivityTitle", "ActivityURL",
                                   "ActivitySiteID"),
           [(9001, 1002, "2025-07-01 10:00:00", "bizformsubmit", 77, 4, "", "Contact us",
             "/contact", 1),
            (9002, 1001, "2025-01-15 10:00:00", "purchase", "", "", "120.5", "Order", "", 1),
            (9003, 1001, "2025-01-16 10:00:00", "customactivity", "", "", "", "", "", 1)])
    _write(folder, "CMS_Form", ("FormID", "FormDisplayName", "FormName", "FormClassID",
                                "FormSiteID"), [(77, "Contact us", "ContactUs", 5, 1)])
    _write(folder, "OM_ContactGroup", ("ContactGroupID", "ContactGroupName",
                                       "ContactGroupDisplayName", "ContactGroupDescription",
                                       "ContactGroupDynamicCondition", "ContactGroupEnabled",
                                       "ContactGroupStatus"),
           [(*group, "True", 0) for group in GROUPS])
    _write(folder, "OM_ContactGroupMember", (
        "ContactGroupMemberID", "ContactGroupMemberContactGroupID", "ContactGroupMemberType",
        "ContactGroupMemberRelatedID", "ContactGroupMemberFromCondition",
        "ContactGroupMemberFromAccount", "ContactGroupMemberFromManual"), MEMBERS)
    return folder


def _expected_members() -> set[tuple[str, int, bool, bool, bool]]:
    codes = {group_id: code for group_id, code, *_ in GROUPS if group_id != 14}
    live = {row[0] for row in CONTACTS}
    return {(codes[group], related, bool(cond), bool(account), bool(manual))
            for _, group, kind, related, cond, account, manual in MEMBERS
            if kind == 0 and group in codes and related in live}


def test_a_kentico_folder_migrates_with_ids_times_and_members(db, export):
    close()
    result = cli(db.url, "import", "kentico", str(export), "--timezone", "Europe/Prague")
    assert result.code == 1, result.err  # a refused group and a rejected activity
    assert "Refused: group Leads: " in result.out
    assert "ContactSalesForceLeadID" in result.out
    assert "OM_Activity line 4: ActivityType: unknown activity type 'customactivity'" in (
        result.out)
    assert "1 manual or account memberships of contacts not in OM_Contact" in result.out
    connect(db.url)
    jana = Contact.get_by_id(1001)
    assert (jana.country_id, jana.country_code, jana.country_name) == (326, "CZ",
                                                                       "Czech Republic")
    assert (jana.status_id, jana.status, jana.middle_name, jana.zip, jana.monitored,
            jana.owner_user_id, jana.company, jana.phone, jana.business_phone) == (
        2, "Very important", "M", "120 00", True, 53, "Acme s.r.o.", "+420 1", "+420 2")
    assert str(jana.created) == "2025-01-15 09:00:00"  # CET
    assert str(jana.modified) == "2025-07-01 10:30:00"  # CEST
    assert Contact.get_by_id(1003).state_id == 70
    custom = set(ContactFieldValue.select(CustomField.name, ContactFieldValue.value)
                 .join(CustomField).where(ContactFieldValue.contact == 1001).tuples())
    assert custom == {("ContactFavouriteColour", "green"), ("ContactNotes", "likes tea")}
    assert Account.get_by_id(501).country_code == "CZ"
    assert sorted(AccountContact.select(AccountContact.contact, AccountContact.role)
                  .tuples()) == [(1001, None), (1005, "Purchasing manager")]
    [submission] = FormSubmission.select()
    assert (submission.form, submission.contact_id, str(submission.at)) == (
        "ContactUs", 1002, "2025-07-01 08:00:00")
    assert sorted(a.id for a in Activity.select()) == [9001, 9002]
    assert {g.code_name for g in ContactGroup.select()} == {"CzechVIPs", "FormFillers",
                                                           "KeyPeople"}
    assert GroupAccount.select().count() == 1
    rows = (Membership.select(ContactGroup.code_name, Membership.contact,
                              Membership.from_condition, Membership.from_account,
                              Membership.manual).join(ContactGroup).tuples())
    assert {(code, contact, bool(c), bool(a), bool(m)) for code, contact, c, a, m in rows} == (
        _expected_members())
    close()


def test_a_kentico_migration_refuses_a_database_with_contacts(db, export):
    Contact.create(first_name="Already here")
    close()
    assert_clean_failure(cli(db.url, "import", "kentico", str(export), "--timezone",
                             "Europe/Prague"), "already has contacts")
    assert_clean_failure(cli(db.url, "import", "kentico", str(export), "--timezone",
                             "Mars/Olympus"), "unknown time zone 'Mars/Olympus'")
    connect(db.url)
