from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from core.generation_watch import KeptReads

# Changes of accounts, CRT contacts and regions are announced under this scope (regions.apps).
ACCOUNTS_SCOPE = "accounts"
accounts_kept = KeptReads([ACCOUNTS_SCOPE])


class AccountBackend(ModelBackend):
    """Django's model backend, whose signed-in user comes with their CRT contact and its region, read in
    the same query: every page of an official asks for them (regions.selectors.region_for_official).

    The read is kept in this process while it hears of no change of an account, a contact or a region
    (core.generation_watch: a change saved on any node is heard within Redis's push; while the process
    does not listen, every request reads the account again). Each request gets a copy of its own, and
    the permissions are read per request as Django does. Reading the account was half of an official's
    cached roadmap page (README, "Performance")."""

    def get_user(self, user_id):
        user = accounts_kept.get(user_id, lambda: _account(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None


def _account(user_id):
    return get_user_model()._default_manager.select_related("crt_contact__region").filter(pk=user_id).first()
