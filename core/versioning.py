"""Edits made in a form opened before somebody else changed the record are refused, never silently lost.

The form carries a signed snapshot of the record's fields as it was opened (`version_token`); the service
that saves, holding the row's lock, compares it with the row (`refuse_if_changed`) and refuses with what
changed meanwhile (a status set by an action, a capacity, …), so the person decides with the facts.
"""

from collections.abc import Collection

from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

SALT = "core.versioning"
# Written by the database or by every save: no person's change.
IGNORED = {"created_at", "updated_at"}


def _fields(instance):
    return [field for field in instance._meta.concrete_fields if not field.primary_key and field.name not in IGNORED]


def version_token(instance, *, fields: Collection[str] | None = None) -> str:
    """What the record is now, to carry in the form that edits it; with `fields`, only those (a client shown
    part of a record, or one whose other fields change without anybody's edit, such as a counter)."""
    snapshot = {
        field.attname: field.value_to_string(instance)
        for field in _fields(instance)
        if fields is None or field.name in fields
    }
    return signing.dumps(snapshot, salt=SALT, compress=True)


def _shown(instance, field) -> str:
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    value = getattr(instance, field.name)
    return "—" if value in (None, "") else str(value)


def refuse_if_changed(current, token: str) -> None:
    """Raise a ValidationError naming what changed in `current` (locked) since `token` was made.

    An empty token (a new record, or a caller that edits no form) checks nothing; a forged one is refused.
    """
    if not token:
        return
    try:
        seen = signing.loads(token, salt=SALT)
    except signing.BadSignature as error:
        raise ValidationError(_("Le formulaire a été altéré : rouvrez la page.")) from error
    # Values in their own direction (U+2068…U+2069): French names stay whole in an Arabic sentence.
    changed = [
        f"{field.verbose_name} : \u2068{_shown(current, field)}\u2069"
        for field in _fields(current)
        if field.attname in seen and seen[field.attname] != field.value_to_string(current)
    ]
    if changed:
        raise ValidationError(
            _(
                "« %(object)s » a été modifié par quelqu'un d'autre depuis que vous avez ouvert cette page "
                "(%(changes)s). Vos saisies sont conservées ci-dessous : vérifiez-les et enregistrez à nouveau."
            )
            % {"object": f"\u2068{current}\u2069", "changes": " ; ".join(changed)},
            code="stale",
        )
