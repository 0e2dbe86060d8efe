"""Countries, states and contact statuses as an imported row names them.

A row may name a country by id (Kentico's ``ContactCountryID``), by two-letter code, code
name or display name; the contact then stores all three (id, code, name), which conditions
read (``ContactCountryID == 326``, ``IsFromCountry("CZ")``). Loaded once per import.
"""

from __future__ import annotations

from typing import Any

from conditions import fold_case
from store.db.models import ContactStatus, Country, State


class References:
    """Countries, states and statuses by id and by name, loaded once per import."""

    def __init__(self) -> None:
        self.countries = {cid: (code, display) for cid, code, display in
                          Country.select(Country.id, Country.code, Country.display_name)
                          .tuples()}
        self.country_ids: dict[str, int] = {}
        for cid, code, name, display in Country.select(
                Country.id, Country.code, Country.name, Country.display_name).tuples():
            for spelling in (code, name, display):
                if spelling:
                    self.country_ids[fold_case(spelling)] = cid
        self.states = {sid for (sid,) in State.select(State.id).tuples()}
        self.statuses = dict(ContactStatus.select(ContactStatus.id, ContactStatus.display_name)
                             .tuples())

    def complete(self, values: dict[str, Any]) -> str | None:
        """Fill a country's id, code and name from whichever the row gave; the reason
        when a country, state or status is unknown."""
        if {"country_code", "country_name", "country_id"} & values.keys():
            problem = self._country(values)
            if problem:
                return problem
        if values.get("state_id") is not None and values["state_id"] not in self.states:
            return f"unknown state id {values['state_id']}"
        status = values.get("status_id")
        if status is not None:
            if status not in self.statuses:
                return f"unknown contact status id {status}"
            values.setdefault("status", self.statuses[status])
        return None

    def _country(self, values: dict[str, Any]) -> str | None:
        country_id = values.get("country_id")
        if country_id is None:
            given = values.get("country_code") or values.get("country_name")
            if given is None:
                values.update(country_code=None, country_name=None, country_id=None)
                return None
            country_id = self.country_ids.get(fold_case(given))
            if country_id is None and self.countries:
                return f"unknown country '{given}'"
            if country_id is None:  # no country table: a code must at least look like one
                code = values.get("country_code")
                if code is not None and not (len(code) == 2 and code.isalpha()):
                    return f"unknown country '{code}' (a two-letter code)"
                if code is not None:
                    values["country_code"] = code.upper()
                return None
        if country_id not in self.countries:
            return f"unknown country id {country_id}"
        code, display = self.countries[country_id]
        values.update(country_id=country_id, country_code=code, country_name=display)
        return None
