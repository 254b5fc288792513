"""Small real files of each kind, made in the test: what people upload, and what an attacker would."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
# A 1×1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)
JPEG = bytes.fromhex("ffd8ffe000104a46494600010100000100010000ffdb004300") + b"\x08" * 64
HTML_WITH_SCRIPT = b"<!DOCTYPE html><html><body><h1>Rapport</h1><script>fetch('/admin/')</script></body></html>"
SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
    b"<script>alert(document.cookie)</script></svg>"
)
SHELL_SCRIPT = b"#!/bin/sh\nrm -rf /\n"


def xlsx() -> bytes:
    workbook = Workbook()
    workbook.active.append(["Nuitées", 2026])
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def docx() -> bytes:
    """A Word document's parts, its main part not first in the archive (libmagic then says only "zip")."""
    stream = io.BytesIO()
    with zipfile.ZipFile(stream, "w") as archive:
        archive.writestr("docProps/app.xml", "<Properties/>")
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return stream.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream") -> SimpleUploadedFile:
    # The browser's content type is whatever the client says: the portal never reads it.
    return SimpleUploadedFile(name, content, content_type=content_type)
