from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Django's model backend, whose signed-in user comes with their CRT contact and its region, read in
    the same query: every page of an official asks for them (regions.selectors.region_for_official)."""

    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("crt_contact__region").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
