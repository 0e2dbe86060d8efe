"""The group editor's tabs (General, Contacts, Accounts, History), one module each."""
