from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    """Where private files live: outside the static and media roots, with no URL of their own."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
