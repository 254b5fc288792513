"""The one register of every piece of personal data the portal keeps about a person who registered (law 09-08).

A person is known by their registrations. Each app that stores something about them (the registration
itself, the messages sent to them, their survey answers, …) registers a `PersonalData` entry when it is
ready: which model, which of its fields are personal, how to hand them over and how to erase them, given
the person's registration ids. The right of access (download), erasure at the person's request and the
retention purge all go through `personal_data_export` and `personal_data_erase`, so none of the three can
forget a table; `tests/test_personal_data.py` fails for a model with a personal field that is not here.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalData:
    """Where a kind of record holds personal data, and how to hand it over and erase it."""

    # "app_label.modelname", as Django's Model._meta.label_lower.
    model: str
    # The fields that hold what the person gave or what was recorded about them.
    fields: tuple[str, ...]
    # The key of its section in the downloaded JSON ("" for the top level, the registration itself).
    section: str
    # What the person gets back for these registrations: a dict for the top level, else a list of records.
    export: Callable[[Sequence[int]], object]
    # Blank or remove it for these registrations; returns how many rows were changed.
    erase: Callable[[Sequence[int]], int]
    # The order of erasure: the records that copy the registration's data first, the registration last.
    erase_order: int = 0


_REGISTER: dict[str, PersonalData] = {}


def personal_data_register(entry: PersonalData) -> None:
    _REGISTER[entry.model] = entry


def personal_data_entries() -> list[PersonalData]:
    return sorted(_REGISTER.values(), key=lambda entry: (entry.erase_order, entry.model))


def personal_data_export(*, registration_ids: Sequence[int]) -> dict:
    """Everything the register holds about the person with these registrations, as one JSON-ready dict."""
    data = {}
    for entry in personal_data_entries():
        exported = entry.export(registration_ids)
        if entry.section:
            data[entry.section] = exported
        else:
            data.update(exported)
    return data


def personal_data_erase(*, registration_ids: Sequence[int]) -> dict[str, int]:
    """Erase every piece of the person's data, in every table the register knows; call it in a transaction."""
    return {entry.model: entry.erase(registration_ids) for entry in personal_data_entries()}
