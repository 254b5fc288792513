"""Private files (minutes PDFs, message attachments, evidence): a storage with no public URL, and their
removal once the row that names them is gone."""

import secrets

from django.conf import settings
from django.core.files.storage import FileSystemStorage, Storage
from django.db import models, transaction
from django.db.models.signals import post_delete
from django.utils.module_loading import import_string

# Loaded only where a bucket is configured: boto3 adds a tenth of a second to the start of every process.
S3_STORAGE = "storages.backends.s3.S3Storage"


def private_storage() -> Storage:
    """Where private files live: an S3-compatible bucket when `PRIVATE_STORAGE_BUCKET` is set (production on
    several nodes), else a folder outside the static and media roots; never with a URL of their own."""
    if settings.PRIVATE_STORAGE_BUCKET:
        return import_string(S3_STORAGE)(**settings.PRIVATE_STORAGE_S3_OPTIONS)
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def private_file_key(instance, filename: str) -> str:
    """An unguessable name in the model's folder: what the person called the file is kept on the row only, so
    it can neither reach another folder nor be guessed."""
    return f"{instance.STORAGE_FOLDER}/{secrets.token_urlsafe(32)}"


def _file_delete_on_commit(sender, instance, using=None, **kwargs):
    file = instance.file
    if file.name:
        name, storage = file.name, file.storage
        # After commit: a rolled-back deletion keeps its file.
        transaction.on_commit(lambda: storage.delete(name), using=using)


def files_deleted_with_their_rows(model_classes: list[type[models.Model]]) -> None:
    """Remove a row's `file` from storage once its deletion is committed, however it is deleted: a cascade
    from its item or meeting (admin, decision deleted with its item) never passes through a service."""
    for model in model_classes:
        post_delete.connect(_file_delete_on_commit, sender=model, dispatch_uid=f"private-file-{model._meta.label}")
