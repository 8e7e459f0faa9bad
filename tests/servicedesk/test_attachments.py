import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from itops.errors import DomainError
from servicedesk import services
from servicedesk.models import Attachment
from tests.factories.servicedesk import make_incident

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.ITOPS_ATTACHMENT_MAX_BYTES = 4096
    return tmp_path


@pytest.fixture
def incident(requester):
    return make_incident(caller=requester)


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("screenshot.png", PNG, "image/png"),
        ("invoice.pdf", PDF, "application/pdf"),
        ("error.log", "Traceback: ünïcode\n".encode(), "text/plain"),
        ("report.docx", _docx(), None),
    ],
)
def test_files_whose_content_matches_their_type_are_stored(
    incident, requester, name, content, content_type, media_root
):
    upload = SimpleUploadedFile(name, content)

    attachment = services.add_attachment(ticket=incident, upload=upload, by=requester)

    assert attachment.filename == name
    assert attachment.size == len(content)
    if content_type:
        assert attachment.content_type == content_type
    with attachment.file.open("rb") as stored:
        assert stored.read() == content
    assert not attachment.file.name.endswith(name)  # stored under a random name


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("invoice.pdf", PNG, "content_mismatch"),
        ("notes.txt", b"MZ\x90\x00\x03\x00\x00\x00", "content_mismatch"),
        ("page.png", b"<html><script>alert(1)</script></html>", "content_mismatch"),
        ("report.docx", b"PK\x03\x04 not really a zip", "content_mismatch"),
        ("tool.exe", b"MZ\x90\x00", "unsupported_type"),
        ("page.html", b"<html></html>", "unsupported_type"),
        ("README", b"plain", "unsupported_type"),
    ],
)
def test_files_of_other_types_or_disguised_content_are_refused(
    incident, requester, name, content, code
):
    with pytest.raises(DomainError) as refused:
        services.add_attachment(
            ticket=incident, upload=SimpleUploadedFile(name, content), by=requester
        )

    assert (refused.value.field, refused.value.code) == ("file", code)
    assert not Attachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused_with_413(incident, requester):
    upload = SimpleUploadedFile("big.txt", b"a" * 4097)

    with pytest.raises(services.AttachmentTooLarge) as refused:
        services.add_attachment(ticket=incident, upload=upload, by=requester)

    assert refused.value.status_code == 413


def test_allowed_types_come_from_the_setting(incident, requester, settings):
    settings.ITOPS_ATTACHMENT_TYPES = ["pdf"]

    with pytest.raises(DomainError):
        services.add_attachment(
            ticket=incident, upload=SimpleUploadedFile("a.png", PNG), by=requester
        )


def test_path_parts_and_control_characters_leave_the_filename(incident, requester):
    upload = SimpleUploadedFile("x.png", PNG)

    attachment = services.add_attachment(
        ticket=incident, upload=upload, by=requester, filename="../../etc/\x00pass\nwd.png"
    )

    assert attachment.filename == "passwd.png"


def test_an_end_user_cannot_attach_to_a_work_note_or_someone_elses_ticket(
    incident, requester, other_requester, agent
):
    note = services.add_comment(ticket=incident, author=agent, body="internal", internal=True)

    with pytest.raises(PermissionDenied):
        services.add_attachment(
            ticket=incident, upload=SimpleUploadedFile("a.png", PNG), by=requester, comment=note
        )
    with pytest.raises(PermissionDenied):
        services.add_attachment(
            ticket=incident, upload=SimpleUploadedFile("a.png", PNG), by=other_requester
        )


def test_removing_an_attachment_deletes_the_file_after_commit(
    incident, requester, django_capture_on_commit_callbacks, media_root
):
    attachment = services.add_attachment(
        ticket=incident, upload=SimpleUploadedFile("a.png", PNG), by=requester
    )
    path = media_root / attachment.file.name

    with django_capture_on_commit_callbacks(execute=True):
        services.remove_attachment(attachment=attachment, by=requester)

    assert not Attachment.objects.exists()
    assert not path.exists()


def test_an_end_user_cannot_remove_someone_elses_attachment(incident, requester, agent):
    attachment = services.add_attachment(
        ticket=incident, upload=SimpleUploadedFile("a.png", PNG), by=agent
    )

    with pytest.raises(PermissionDenied):
        services.remove_attachment(attachment=attachment, by=requester)
