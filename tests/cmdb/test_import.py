import json

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from cmdb.models import ConfigurationItem, Relationship
from tests.factories import make_team
from tests.factories.cmdb import make_ci

pytestmark = pytest.mark.django_db

GOOD_CSV = """\
name,class,environment,owner_team,criticality,attr.cpu_cores,attr.memory_gb,connects_to,runs_on
core-01,network-device,production,network,1,,,,
web-01,server,production,network,2,8,32,core-01,
shop-api,application,production,,high,,,,web-01
"""

BAD_CSV = """\
name,class,environment,owner_team,attr.cpu_cores,depends_on
web-01,server,production,network,8,
web-02,serverx,production,network,8,
web-03,server,prod,network,8,
web-04,server,production,network,0,
web-01,server,production,network,4,
web-05,server,production,nobody,4,
web-06,server,production,network,4,ghost-01
web-07,server,production,network,4,web-02
web-08,server,production,network,eight,
"""


@pytest.fixture
def network_team(db):
    return make_team("Network")


def run(tmp_path, content, *args, name="cis.csv"):
    path = tmp_path / name
    path.write_text(content)
    stdout, stderr = _Capture(), _Capture()
    call_command("import_cis", str(path), "--no-progress", *args, stdout=stdout, stderr=stderr)
    return stdout.text, stderr.text


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, value):
        self.text += value

    def flush(self):
        pass


def test_a_good_csv_creates_cis_with_attributes_and_relationships(
    tmp_path, network_team, ops_engineer
):
    stdout, _ = run(tmp_path, GOOD_CSV, "--as", ops_engineer.username)

    web = ConfigurationItem.objects.get(name="web-01")
    assert web.attributes == {"cpu_cores": 8, "memory_gb": 32}
    assert web.owner_team == network_team
    assert ConfigurationItem.objects.get(name="shop-api").criticality == 2
    assert {(r.source.name, r.type, r.target.name) for r in Relationship.objects.all()} == {
        ("web-01", "connects_to", "core-01"),
        ("shop-api", "runs_on", "web-01"),
    }
    assert "3 created, 0 updated, 0 unchanged, 2 relationship(s) added" in stdout
    assert LogEntry.objects.get_for_object(web).get().actor == ops_engineer


def test_importing_the_same_file_again_changes_nothing_and_a_changed_row_updates_by_name(
    tmp_path, network_team
):
    run(tmp_path, GOOD_CSV)
    again, _ = run(tmp_path, GOOD_CSV)
    changed, _ = run(tmp_path, "name,environment,attr.cpu_cores\nweb-01,staging,16\n")

    assert "0 created, 0 updated, 3 unchanged, 0 relationship(s) added" in again
    assert "0 created, 1 updated" in changed
    web = ConfigurationItem.objects.get(name="web-01")
    assert web.environment == "staging"
    assert web.attributes == {"cpu_cores": 16, "memory_gb": 32}  # merged, not replaced
    assert ConfigurationItem.objects.count() == 3


def test_a_file_with_bad_rows_imports_nothing_and_names_each_bad_row_with_its_line(
    tmp_path, network_team
):
    with pytest.raises(CommandError) as error:
        run(tmp_path, BAD_CSV)

    assert "8 bad row(s) of 9; nothing was imported" in str(error.value)
    assert not ConfigurationItem.objects.exists()


def test_each_bad_row_is_reported_with_its_line_number_and_reason(tmp_path, network_team):
    path = tmp_path / "bad.csv"
    path.write_text(BAD_CSV)
    stderr = _Capture()

    with pytest.raises(CommandError):
        call_command("import_cis", str(path), "--no-progress", stdout=_Capture(), stderr=stderr)

    lines = stderr.text.splitlines()
    expected = {
        3: ("web-02", "unknown class 'serverx'"),
        4: ("web-03", "unknown environment 'prod'"),
        5: ("web-04", "attribute 'cpu_cores' 0 is less than the minimum of 1"),
        6: ("web-01", "name 'web-01' appears again (first at line 2)"),
        7: ("web-05", "unknown owner team 'nobody'"),
        8: ("web-06", "depends_on 'ghost-01': no CI of that name in the file or the CMDB"),
        9: ("web-07", "depends_on 'web-02': that CI's row (line 3) is invalid"),
        10: ("web-08", "attribute 'cpu_cores': 'eight' is not a valid integer"),
    }
    for line, (name, reason) in expected.items():
        matching = [text for text in lines if text.startswith(f"bad.csv: line {line} ({name}):")]
        assert len(matching) == 1, (line, lines)
        assert reason in matching[0]
    assert not any("line 2 " in text for text in lines)


def test_skip_invalid_imports_the_good_rows_and_names_the_skipped(tmp_path, network_team):
    stdout, stderr = run(tmp_path, BAD_CSV, "--skip-invalid")

    assert list(ConfigurationItem.objects.values_list("name", flat=True)) == ["web-01"]
    assert ConfigurationItem.objects.get(name="web-01").attributes == {"cpu_cores": 8}
    assert "1 created" in stdout and "8 row(s) skipped" in stdout
    for line, name in [(3, "web-02"), (4, "web-03"), (9, "web-07"), (10, "web-08")]:
        assert f"skipped line {line} ({name}):" in stderr


def test_json_rows_are_reported_with_the_line_of_their_object(tmp_path, network_team):
    document = {
        "cis": [
            {"name": "db-01", "class": "database", "attributes": {"engine": "postgresql"}},
            {"name": "db-02", "class": "database", "attributes": {"engine": "dbase"}},
            {"name": "app", "class": "application", "depends_on": ["db-01", "nowhere"]},
        ]
    }
    path = tmp_path / "cis.json"
    path.write_text(json.dumps(document, indent=2))
    stderr = _Capture()

    with pytest.raises(CommandError):
        call_command("import_cis", str(path), "--no-progress", stdout=_Capture(), stderr=stderr)

    text = stderr.text
    assert "line 10 (db-02): attribute 'engine' 'dbase' is not one of" in text
    assert "line 17 (app): depends_on 'nowhere': no CI of that name" in text
    assert not ConfigurationItem.objects.exists()


def test_json_imports_relationships_to_cis_already_in_the_cmdb(tmp_path, network_team):
    make_ci("existing-db")
    content = json.dumps(
        [
            {
                "name": "app",
                "class": "application",
                "depends_on": "existing-db",
                "part_of": ["suite"],
            },
            {"name": "suite", "class": "application"},
        ]
    )

    stdout, _ = run(tmp_path, content, name="cis.json")

    assert "2 created" in stdout and "2 relationship(s) added" in stdout
    assert Relationship.objects.filter(source__name="app", target__name="existing-db").exists()
    assert Relationship.objects.filter(
        source__name="app", type="part_of", target__name="suite"
    ).exists()


def test_the_format_comes_from_the_option_when_the_extension_does_not_say(tmp_path, network_team):
    stdout, _ = run(tmp_path, GOOD_CSV, "--format", "csv", name="estate.txt")

    assert "3 created" in stdout


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        ("name,colour\nweb,red\n", "cis.csv", "Unknown column(s): colour"),
        ("class\nserver\n", "cis.csv", "no 'name' column"),
        ('{"cis": [', "cis.json", "line 1: Not valid JSON"),
        ("name\nweb\n", "cis.xlsx", "Cannot tell the format"),
    ],
)
def test_a_broken_file_is_refused_as_a_whole_even_with_skip_invalid(
    tmp_path, content, name, message
):
    path = tmp_path / name
    path.write_text(content)
    stderr = _Capture()

    with pytest.raises(CommandError):
        call_command(
            "import_cis",
            str(path),
            "--skip-invalid",
            "--no-progress",
            stdout=_Capture(),
            stderr=stderr,
        )

    assert message in stderr.text


def test_a_missing_file_or_user_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_cis", str(tmp_path / "nope.csv"))
    (tmp_path / "cis.csv").write_text(GOOD_CSV)
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        call_command("import_cis", str(tmp_path / "cis.csv"), "--as", "ghost")


def test_the_help_documents_the_format():
    from cmdb.management.commands.import_cis import Command

    help_text = Command().create_parser("manage.py", "import_cis").format_help()

    assert (
        "attr.<attribute>" in help_text
        and "depends_on" in help_text
        and "--skip-invalid" in help_text
    )


# --- the upload page ---------------------------------------------------------------------------


def upload(client, content, name="cis.csv", **fields):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/cmdb/import/", {"file": SimpleUploadedFile(name, content.encode()), **fields}
    )


def test_the_upload_page_imports_nothing_from_a_bad_file_and_lists_each_bad_row(
    client, ops_engineer, network_team
):
    client.force_login(ops_engineer)

    response = upload(client, BAD_CSV)

    page = response.content.decode()
    assert response.status_code == 400
    assert "8 bad rows: nothing was imported." in page
    assert "<td>3</td><td>web-02</td><td>unknown class &#x27;serverx&#x27;" in page
    assert not ConfigurationItem.objects.exists()


def test_the_upload_page_skips_invalid_rows_when_asked(client, ops_engineer, network_team):
    client.force_login(ops_engineer)

    response = upload(client, BAD_CSV, skip_invalid="on")

    page = response.content.decode()
    assert response.status_code == 200
    assert "1 created" in page and "8 rows skipped" in page
    assert page.count('text-bg-warning">skipped') == 8
    assert ConfigurationItem.objects.get().name == "web-01"


def test_the_upload_page_refuses_a_file_over_the_limit_with_413(client, ops_engineer, settings):
    settings.CMDB_IMPORT_MAX_BYTES = 1024
    client.force_login(ops_engineer)

    response = upload(client, GOOD_CSV + "x" * 2000)

    assert response.status_code == 413
    assert "the limit is 1,024" in response.content.decode()
