"""Recognising attachment files by their content, not only by their name.

Each allowed extension belongs to a family; a file is accepted only when the family its first
bytes reveal is the family its extension claims. A PNG renamed to `.pdf`, an executable renamed
to `.txt` or an HTML page renamed to `.png` are refused.
"""

import zipfile
from dataclasses import dataclass
from typing import IO

SNIFF_BYTES = 8192


@dataclass(frozen=True)
class FileType:
    family: str
    content_type: str


# extension -> what its content must look like, and the Content-Type it is served with.
ATTACHMENT_FILE_TYPES: dict[str, FileType] = {
    "pdf": FileType("pdf", "application/pdf"),
    "png": FileType("png", "image/png"),
    "jpg": FileType("jpeg", "image/jpeg"),
    "jpeg": FileType("jpeg", "image/jpeg"),
    "gif": FileType("gif", "image/gif"),
    "webp": FileType("webp", "image/webp"),
    "txt": FileType("text", "text/plain"),
    "log": FileType("text", "text/plain"),
    "csv": FileType("text", "text/csv"),
    "json": FileType("text", "application/json"),
    "md": FileType("text", "text/markdown"),
    "zip": FileType("zip", "application/zip"),
    "docx": FileType(
        "docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    "xlsx": FileType("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": FileType(
        "pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}

# Office Open XML files are zip archives told apart by the folder their main part sits in.
_OFFICE_FOLDERS = {"word/": "docx", "xl/": "xlsx", "ppt/": "pptx"}


def _sniff_head(head: bytes) -> str | None:
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "zip"
    if _looks_like_text(head):
        return "text"
    return None


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut by the end of the sample is still text.
        if error.start < len(head) - 3:
            return False
    return True


def _zip_family(stream: IO[bytes]) -> str:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "broken-zip"
    if "[Content_Types].xml" in names:
        for folder, family in _OFFICE_FOLDERS.items():
            if any(name.startswith(folder) for name in names):
                return family
    return "zip"


def sniff_family(stream: IO[bytes]) -> str | None:
    """The family of a seekable binary stream's content, or None when unrecognised."""
    stream.seek(0)
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    family = _sniff_head(head)
    if family == "zip":
        family = _zip_family(stream)
        stream.seek(0)
    return family


def extension_of(filename: str) -> str:
    _, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""
