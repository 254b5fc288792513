from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.storage import private_file_key, private_storage
from core.uploads import type_label

# Addresses put in place of an erased person's e-mail, on registrations and on the messages sent to them
# (".invalid" is reserved: nothing is ever delivered there).
ERASED_EMAIL_DOMAIN = "@invalid"


class TimeStampedModel(models.Model):
    """Abstract base recording when a row was created and last changed."""

    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("modifié le"), auto_now=True)

    class Meta:
        abstract = True


class PrivateFile(TimeStampedModel):
    """Abstract base of a file people upload: kept on private storage under an unguessable key, with the name
    it was given (cleaned), the type read from its bytes, its size and who uploaded it (`created_at`: when)."""

    # The storage folder of each kind of file (core.storage.private_file_key).
    STORAGE_FOLDER = "files"

    file = models.FileField(_("fichier"), upload_to=private_file_key, storage=private_storage, max_length=255)
    name = models.CharField(_("nom du fichier"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille (octets)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("déposé par")
    )

    class Meta:
        abstract = True
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.name

    @property
    def type_label(self) -> str:
        return type_label(self.content_type)
