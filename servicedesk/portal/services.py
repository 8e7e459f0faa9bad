"""Writes of the self-service portal that combine the service desk's services: a ticket and its
files are saved together or not at all."""

from collections.abc import Sequence

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from itops.errors import DomainError
from itops.models import User
from servicedesk.choices import TicketSource
from servicedesk.models import Attachment, Ticket
from servicedesk.services import add_attachment, check_upload, open_incident
from servicedesk.services.attachments import clean_filename

MAX_FILES_PER_UPLOAD = 5


def check_uploads(uploads: Sequence[UploadedFile], *, field: str = "attachments") -> None:
    """Size, type and content of every file, before anything is stored; DomainError naming
    the first file refused."""
    if len(uploads) > MAX_FILES_PER_UPLOAD:
        raise DomainError(f"Attach at most {MAX_FILES_PER_UPLOAD} files at a time.", field=field)
    for upload in uploads:
        name = clean_filename(upload.name)
        if not name:
            raise DomainError("Every file needs a name.", field=field)
        try:
            check_upload(upload, name)
        except DomainError as error:
            error.field = field
            if name not in error.message:
                error.message = f"{name}: {error.message}"
                error.args = (error.message,)
            raise


def _attach_all(
    ticket: Ticket, uploads: Sequence[UploadedFile], by: User, stored: list[str]
) -> list[Attachment]:
    attachments = []
    for upload in uploads:
        attachment = add_attachment(ticket=ticket, upload=upload, by=by)
        stored.append(attachment.file.name)
        attachments.append(attachment)
    return attachments


def _forget_files(attachment_model, names: list[str]) -> None:
    storage = attachment_model._meta.get_field("file").storage
    for name in names:
        storage.delete(name)


def report_incident(
    *,
    by: User,
    short_description: str,
    description: str = "",
    urgency: int = 3,
    configuration_item=None,
    business_service=None,
    uploads: Sequence[UploadedFile] = (),
) -> Ticket:
    """Open an incident from the portal for `by`, with its files. A file that is refused
    refuses the whole report: no ticket is left without the files its caller attached."""
    check_uploads(uploads)
    stored: list[str] = []
    try:
        with transaction.atomic():
            incident = open_incident(
                by=by,
                caller=by,
                short_description=short_description,
                description=description,
                urgency=urgency,
                configuration_item=configuration_item,
                business_service=business_service,
                source=TicketSource.PORTAL,
            )
            _attach_all(incident, uploads, by, stored)
    except BaseException:
        _forget_files(Attachment, stored)
        raise
    return incident


def attach_files(*, ticket: Ticket, uploads: Sequence[UploadedFile], by: User) -> list[Attachment]:
    """Attach several files to a ticket, all or none."""
    if not uploads:
        raise DomainError("Choose at least one file.", field="files")
    check_uploads(uploads, field="files")
    stored: list[str] = []
    try:
        with transaction.atomic():
            return _attach_all(ticket, uploads, by, stored)
    except BaseException:
        _forget_files(Attachment, stored)
        raise
