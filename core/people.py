"""How the portal names a person to others: the one rule of every page, export and e-mail that shows who did
something (logins are not names, and officials do not know each other's)."""


def person_name(user) -> str:
    """A user's full name, else their e-mail address, else their login; "—" for no one (a deleted account)."""
    if user is None:
        return "—"
    return user.get_full_name() or getattr(user, "email", "") or user.get_username()
