from django.db import models
from django.utils.translation import gettext_lazy as _

# Addresses put in place of an erased person's e-mail, on registrations and on the messages sent to them
# (".invalid" is reserved: nothing is ever delivered there).
ERASED_EMAIL_DOMAIN = "@invalid"


class TimeStampedModel(models.Model):
    """Abstract base recording when a row was created and last changed."""

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True
