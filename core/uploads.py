"""Files people upload (evidence on roadmap items and meetings): what is accepted, and how it is served.

The type is read from the bytes by libmagic, never taken from the browser or the name; only the types below
are kept, a name whose extension says otherwise is refused, and the name is cleaned of any path, control or
direction character. Everything is served as a download (`Content-Disposition: attachment`, `nosniff`, a
sandboxing policy), so that nothing uploaded can run in the portal's origin even if a browser were fooled.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass

import magic
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from django.template.defaultfilters import filesizeformat
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# libmagic reads this much of a file, as the `file` command does by default.
SNIFFED_BYTES = 1024 * 1024
NAME_MAX_LENGTH = 150
# Characters no file name should carry: reserved on one system or another, or quoting in headers.
RESERVED_CHARACTERS = re.compile(r'[<>:"|?*\x00-\x1f\x7f]')
# What looks like an extension: a few letters or digits with at least one letter ("v1.2" has none).
EXTENSION = re.compile(r"\.(?=[0-9]*[A-Za-z])([A-Za-z0-9]{1,5})$")


@dataclass(frozen=True)
class FileType:
    label: Promise
    extensions: tuple[str, ...]


OOXML = "application/vnd.openxmlformats-officedocument"
ODF = "application/vnd.oasis.opendocument"
ACCEPTED_TYPES = {
    "application/pdf": FileType(_("PDF"), ("pdf",)),
    "image/jpeg": FileType(_("Image JPEG"), ("jpg", "jpeg")),
    "image/png": FileType(_("Image PNG"), ("png",)),
    "image/webp": FileType(_("Image WebP"), ("webp",)),
    f"{OOXML}.wordprocessingml.document": FileType(_("Document Word"), ("docx",)),
    "application/msword": FileType(_("Document Word"), ("doc",)),
    f"{OOXML}.spreadsheetml.sheet": FileType(_("Classeur Excel"), ("xlsx",)),
    "application/vnd.ms-excel": FileType(_("Classeur Excel"), ("xls",)),
    f"{OOXML}.presentationml.presentation": FileType(_("Présentation PowerPoint"), ("pptx",)),
    "application/vnd.ms-powerpoint": FileType(_("Présentation PowerPoint"), ("ppt",)),
    f"{ODF}.text": FileType(_("Document OpenDocument"), ("odt",)),
    f"{ODF}.spreadsheet": FileType(_("Classeur OpenDocument"), ("ods",)),
    f"{ODF}.presentation": FileType(_("Présentation OpenDocument"), ("odp",)),
    "text/plain": FileType(_("Texte"), ("txt", "csv")),
    "text/csv": FileType(_("Tableau CSV"), ("csv",)),
}
# libmagic names an Office file "application/zip" when its first entry is not the one it looks for: the main
# part of each format, as the Office Open XML standard names it, tells them apart.
OOXML_MAIN_PARTS = {
    "word/document.xml": f"{OOXML}.wordprocessingml.document",
    "xl/workbook.xml": f"{OOXML}.spreadsheetml.sheet",
    "ppt/presentation.xml": f"{OOXML}.presentationml.presentation",
}


def accepted_extensions() -> list[str]:
    return sorted({extension for file_type in ACCEPTED_TYPES.values() for extension in file_type.extensions})


def type_label(content_type: str) -> str:
    file_type = ACCEPTED_TYPES.get(content_type)
    return str(file_type.label) if file_type is not None else content_type


def max_upload_bytes() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_MB * 1024 * 1024


@dataclass(frozen=True)
class InspectedUpload:
    """An accepted upload: its cleaned name, the type read from its bytes, its size."""

    file: UploadedFile
    name: str
    content_type: str
    size: int

    def fields(self) -> dict:
        """The values of a `core.models.PrivateFile` row that stores it."""
        return {"file": self.file, "name": self.name, "content_type": self.content_type, "size": self.size}


def filename_clean(name: str) -> str:
    """The last part of `name` (no folder, whatever the separator), without control, direction or reserved
    characters, spaces collapsed and no leading or trailing dot, at most NAME_MAX_LENGTH characters with its
    extension kept; "" when nothing is left."""
    name = unicodedata.normalize("NFC", name)
    name = re.split(r"[/\\]", name)[-1]
    # Cc: control characters; Cf: format ones, among them the right-to-left override that makes
    # "photo\u202egnp.exe" show as "photoexe.png".
    name = "".join(" " if unicodedata.category(char) in ("Cc", "Zl", "Zp") else char for char in name)
    name = "".join(char for char in name if unicodedata.category(char) not in ("Cf", "Cs", "Co", "Cn"))
    name = RESERVED_CHARACTERS.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 5:
            name = f"{stem[: NAME_MAX_LENGTH - len(extension) - 1].rstrip('. ')}.{extension}"
        else:
            name = name[:NAME_MAX_LENGTH].rstrip(". ")
    return name


def _sniffed_type(upload: UploadedFile) -> str:
    upload.seek(0)
    content_type = magic.from_buffer(upload.read(SNIFFED_BYTES), mime=True)
    if content_type == "application/zip":
        upload.seek(0)
        try:
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError):
            names = set()
        if "[Content_Types].xml" in names:
            content_type = next((kind for part, kind in OOXML_MAIN_PARTS.items() if part in names), content_type)
    upload.seek(0)
    return content_type


def upload_inspect(*, upload: UploadedFile) -> InspectedUpload:
    """Accept `upload` or raise ValidationError saying why: too large, a type not accepted (HTML, SVG, scripts,
    archives, programs…), or an extension that is not the content's. A name without extension gets its type's."""
    limit = max_upload_bytes()
    if upload.size > limit:
        raise ValidationError(
            _("Ce fichier pèse %(size)s : la limite est de %(limit)s."),
            code="too_large",
            params={"size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
        )
    content_type = _sniffed_type(upload)
    file_type = ACCEPTED_TYPES.get(content_type)
    if file_type is None:
        raise ValidationError(
            _("Ce type de fichier n'est pas accepté (%(type)s). Formats acceptés : %(extensions)s."),
            code="type_refused",
            params={"type": content_type, "extensions": ", ".join(accepted_extensions())},
        )
    name = filename_clean(upload.name or "")
    extension = EXTENSION.search(name)
    if extension is None:
        name = f"{name or _('fichier')}.{file_type.extensions[0]}"
    elif extension.group(1).lower() not in file_type.extensions:
        raise ValidationError(
            _("Le nom de ce fichier finit par .%(extension)s mais son contenu est : %(type)s."),
            code="extension_mismatch",
            params={"extension": extension.group(1), "type": file_type.label},
        )
    return InspectedUpload(file=upload, name=name, content_type=content_type, size=upload.size)


def removable_by(*, user, uploaded_by_id: int | None) -> bool:
    """Staff remove any file; anybody else only what they uploaded (their region's scope is checked before)."""
    return user.is_staff or (uploaded_by_id is not None and uploaded_by_id == user.pk)


class UploadForm(forms.Form):
    """The file alone; what it may be is decided by `upload_inspect`, called by the service."""

    file = forms.FileField(
        label=_("Fichier"),
        widget=forms.FileInput(attrs={"accept": ",".join(f".{ext}" for ext in accepted_extensions())}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(extensions)s ; %(limit)s au plus.") % {
            "extensions": ", ".join(accepted_extensions()),
            "limit": filesizeformat(max_upload_bytes()),
        }


@dataclass(frozen=True)
class FileRow:
    """A stored file as a page lists it: the row (a `core.models.PrivateFile`), where to download it, and where
    to post its removal when the reader may remove it."""

    file: object
    download_url: str
    remove_url: str | None = None


def private_file_response(*, stored) -> FileResponse:
    """A stored file (a `core.models.PrivateFile`) as a download, never shown in the portal's pages; 404 if it is
    missing from storage."""
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError as missing:
        raise Http404("Fichier introuvable.") from missing
    response = FileResponse(handle, as_attachment=True, filename=stored.name, content_type=stored.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Should a browser still render it (opened from the downloads bar), it runs no script and reaches nothing.
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
