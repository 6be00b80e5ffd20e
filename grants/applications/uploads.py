"""Uploaded files: the type recognised from the content, a size limit, safe display names, reading the stream."""
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from io import BytesIO

from flask import abort, current_app, send_file

from ..storage import storage

# The first bytes each accepted type starts with. Names and the browser's content type are never trusted:
# a renamed program (MZ...) called photo.pdf is still a program.
SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
EXTENSIONS = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
INLINE_TYPES = frozenset(EXTENSIONS)  # shown in the browser; anything else is a download
MAX_NAME_LENGTH = 255
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"<>|*?:]")


@dataclass(frozen=True)
class Upload:
    """What arrived in one file field: the name as sent (for display only) and at most limit + 1 bytes."""

    filename: str
    data: bytes


def sniff_content_type(data: bytes) -> str | None:
    """application/pdf, image/jpeg or image/png from the magic bytes, else None."""
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def display_name(filename: str | None, content_type: str | None = None) -> str:
    """The name to show: no folders ("../../etc/passwd.pdf" is "passwd.pdf"), no control characters."""
    name = unicodedata.normalize("NFC", filename or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("", name).strip().lstrip(".").strip()
    if not name:
        name = "document" + EXTENSIONS.get(content_type or "", "")
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        extension = dot + extension if dot and len(extension) <= 10 else ""
        name = name[: MAX_NAME_LENGTH - len(extension)] + extension
    return name


def max_upload_bytes() -> int:
    return int(current_app.config.get("UPLOAD_MAX_BYTES", 5 * 1024 * 1024))


def read_upload(file_storage) -> Upload | None:
    """The file a form field carries, or None when none was chosen. Reads one byte past the limit, no more,
    so a huge upload is known to be too large without holding all of it."""
    if file_storage is None or not getattr(file_storage, "filename", None):
        return None
    data = file_storage.stream.read(max_upload_bytes() + 1)
    return Upload(filename=file_storage.filename, data=data)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def megabytes(size: int) -> str:
    """5242880 -> "5", 1572864 -> "1.5": for messages about the limit."""
    value = size / (1024 * 1024)
    return f"{value:.1f}".rstrip("0").rstrip(".") if value < 10 else str(round(value))


def send_stored_upload(stored):
    """The response serving an uploaded file (an application document, a report's receipt, a visit photo): from the
    store, inline for PDF and images, never sniffed into something else, never cached. 404 if the file is gone."""
    try:
        data = storage().read(stored.storage_key)
    except (FileNotFoundError, ValueError):
        abort(404)
    response = send_file(BytesIO(data), mimetype=stored.content_type,
                         as_attachment=stored.content_type not in INLINE_TYPES,
                         download_name=stored.original_name, max_age=0, etag=False, conditional=False)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
