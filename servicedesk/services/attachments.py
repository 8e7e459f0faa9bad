"""Files on tickets: size and type checked (by content) before anything is stored."""

import hashlib
import unicodedata
from pathlib import PurePosixPath, PureWindowsPath

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction

from itops.audit import acting_as
from itops.errors import DomainError
from itops.models import User
from itops.roles import is_staff_member
from servicedesk.file_types import ATTACHMENT_FILE_TYPES, extension_of, sniff_family
from servicedesk.models import Attachment, Comment, Ticket
from servicedesk.services.tickets import (
    lock_ticket,
    require_not_final,
    require_staff_or_participant,
)
from servicedesk.signals import attachment_added, attachment_removed, send_on_commit


class AttachmentTooLarge(DomainError):
    status_code = 413
    code = "too_large"


def clean_filename(name: str) -> str:
    """The last path component, without control characters, at most 255 characters."""
    base = PureWindowsPath(PurePosixPath(name or "").name).name
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip(" .")
    if len(base) > 255:
        stem, dot, extension = base.rpartition(".")
        base = stem[: 250 - len(extension)] + dot + extension if dot else base[:255]
    return base


def check_upload(upload: File, filename: str) -> str:
    """The Content-Type to serve the file with, or DomainError/AttachmentTooLarge."""
    limit = settings.ITOPS_ATTACHMENT_MAX_BYTES
    if upload.size is None or upload.size > limit:
        raise AttachmentTooLarge(
            f"Attachments may be at most {limit} bytes; this one has {upload.size}.",
            field="file",
        )
    if upload.size == 0:
        raise DomainError("The file is empty.", field="file")
    extension = extension_of(filename)
    allowed = settings.ITOPS_ATTACHMENT_TYPES
    if extension not in allowed:
        raise DomainError(
            f"Files of type .{extension or '(none)'} are not accepted; allowed: "
            f"{', '.join(allowed)}.",
            field="file",
            code="unsupported_type",
        )
    expected = ATTACHMENT_FILE_TYPES[extension]
    found = sniff_family(upload)
    if found != expected.family:
        raise DomainError(
            f"The content of {filename} is not a {extension} file.",
            field="file",
            code="content_mismatch",
        )
    return expected.content_type


def _digest(upload: File) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


@transaction.atomic
def add_attachment(
    *,
    ticket: Ticket,
    upload: File,
    by: User,
    comment: Comment | None = None,
    filename: str | None = None,
) -> Attachment:
    """Store `upload` on the ticket (and on `comment`, whose visibility it then shares)."""
    ticket = lock_ticket(ticket)
    require_staff_or_participant(ticket, by, "attach files to this ticket")
    require_not_final(ticket, "take attachments")
    if comment is not None:
        if comment.ticket_id != ticket.pk:
            raise DomainError("That comment belongs to another ticket.", field="comment")
        if comment.is_internal and not is_staff_member(by):
            raise PermissionDenied("Only service desk staff may attach files to work notes.")
    name = clean_filename(filename or upload.name)
    if not name:
        raise DomainError("The file needs a name.", field="file")
    content_type = check_upload(upload, name)
    attachment = Attachment(
        ticket=ticket,
        comment=comment,
        filename=name,
        content_type=content_type,
        size=upload.size,
        sha256=_digest(upload),
        uploaded_by=by,
    )
    attachment.file.save(name, upload, save=False)
    stored_name = attachment.file.name
    try:
        with acting_as(by):
            attachment.save()
    except Exception:
        attachment.file.storage.delete(stored_name)
        raise
    send_on_commit(attachment_added, ticket=ticket, by=by, attachment=attachment)
    return attachment


@transaction.atomic
def remove_attachment(*, attachment: Attachment, by: User) -> None:
    """Staff may remove any attachment, an end user only their own."""
    ticket = lock_ticket(attachment.ticket)
    if not is_staff_member(by) and attachment.uploaded_by_id != by.pk:
        raise PermissionDenied("You may only remove files you attached.")
    require_not_final(ticket, "lose attachments")
    storage, stored_name, filename = (
        attachment.file.storage,
        attachment.file.name,
        attachment.filename,
    )
    with acting_as(by):
        attachment.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))
    send_on_commit(attachment_removed, ticket=ticket, by=by, filename=filename)
