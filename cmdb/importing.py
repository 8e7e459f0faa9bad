"""Reading and checking CI import files, before cmdb.services.import_cis writes anything.

Two formats carry the same fields (documented in IMPORT_FORMAT_HELP):

- CSV: a header row, then one CI a row.
- JSON: `{"cis": [{...}, ...]}` (or the bare list), one object a CI.

Every row is checked against the database and the rest of the file first; each bad row is
reported with its line number and every reason it is bad.
"""

from __future__ import annotations

import bisect
import csv
import io
import json
from dataclasses import dataclass, field
from json.decoder import JSONObject
from json.scanner import py_make_scanner
from typing import Any

from cmdb.choices import CIStatus, Criticality, Environment, RelationshipType
from cmdb.models import CIClass, ConfigurationItem, Location, Relationship
from cmdb.services import CI_FIELDS, attribute_errors, describe_attribute_errors
from itops.models import Team

FORMATS = ("csv", "json")
# The CI fields, with `class` for ci_class; attributes have their own columns.
SCALAR_COLUMNS = tuple(
    "class" if name == "ci_class" else name for name in CI_FIELDS if name != "attributes"
)
RELATIONSHIP_COLUMNS = tuple(RelationshipType.values)
ATTRIBUTE_PREFIX = "attr."
LIST_SEPARATOR = ";"

IMPORT_FORMAT_HELP = f"""\
Each row (CSV) or object (JSON) is one CI. Rows whose name exists update that CI; others create
one. Only the fields given are set: an empty cell or a missing key leaves the current value (or
the default, for a new CI).

Fields:
  name                 required, unique
  class                CI class slug or name (required for a new CI), e.g. server, database
  environment          {", ".join(Environment.values)} (default production)
  status               {", ".join(CIStatus.values)} (default operational)
  criticality          1-4 or critical, high, medium, low (default 3)
  owner_team           team slug or name
  location             location name
  monitoring_address   host, host:port or URL
  description          free text
  attributes           checked against the class schema. JSON: an object under "attributes".
                       CSV: one column per attribute named attr.<attribute>, e.g. attr.cpu_cores;
                       values are read as the schema's type (integer, number, boolean, string).
  runs_on, depends_on, connects_to, part_of
                       relationships from this CI to other CIs, by name: in this file or already
                       in the CMDB. JSON: a list of names; CSV: names separated by '{LIST_SEPARATOR}'.
                       Relationships are only added, never removed.

CSV example:
  name,class,environment,owner_team,attr.cpu_cores,attr.memory_gb,connects_to
  web-01,server,production,platform-ops,8,32,ams-acc-01
  shop-api,application,production,platform-ops,,,

JSON example:
  {{"cis": [
    {{"name": "web-01", "class": "server", "attributes": {{"cpu_cores": 8}},
      "connects_to": ["ams-acc-01"]}},
    {{"name": "shop-api", "class": "application", "runs_on": ["web-01"]}}
  ]}}
"""


@dataclass(frozen=True)
class RowError:
    line: int
    name: str
    reason: str

    def __str__(self):
        label = f" ({self.name})" if self.name else ""
        return f"line {self.line}{label}: {self.reason}"


@dataclass
class ImportRow:
    line: int
    name: str
    values: dict[str, Any]
    existing: ConfigurationItem | None
    relationships: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class ImportPlan:
    total_rows: int = 0
    valid_rows: list[ImportRow] = field(default_factory=list)
    row_errors: list[RowError] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    relationships_added: int = 0
    imported: bool = False


class ImportFileError(Exception):
    def __init__(self, message: str, *, line: int = 1):
        super().__init__(message)
        self.line = line


# --- reading -------------------------------------------------------------------------------------


def detect_format(filename: str, requested: str | None = None) -> str:
    if requested:
        if requested not in FORMATS:
            raise ImportFileError(f"Unknown format {requested!r}; use csv or json.")
        return requested
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in FORMATS:
        raise ImportFileError(
            f"Cannot tell the format of {filename!r} from its extension; name it .csv or .json "
            "or give the format."
        )
    return extension


class LineDict(dict):
    """A JSON object that remembers the line its opening brace is on."""

    line = 0


class _LineTrackingDecoder(json.JSONDecoder):
    def __init__(self, text: str):
        super().__init__()
        newlines = [index for index, char in enumerate(text) if char == "\n"]

        def parse_object(s_and_end, *args):
            start = s_and_end[1] - 1
            values, end = JSONObject(s_and_end, *args)
            obj = LineDict(values)
            obj.line = bisect.bisect_right(newlines, start) + 1
            return obj, end

        self.parse_object = parse_object
        self.scan_once = py_make_scanner(self)


def _decode(content: bytes | str) -> str:
    if isinstance(content, str):
        return content
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(f"The file is not UTF-8 text ({error.reason}).") from None


def read_json(content: bytes | str) -> list[tuple[int, Any]]:
    text = _decode(content)
    try:
        document = _LineTrackingDecoder(text).decode(text)
    except json.JSONDecodeError as error:
        raise ImportFileError(f"Not valid JSON: {error.msg}.", line=error.lineno) from None
    if isinstance(document, dict):
        unknown = sorted(set(document) - {"cis"})
        if unknown or not isinstance(document.get("cis"), list):
            raise ImportFileError(
                'A JSON import is {"cis": [...]} (or a list of CI objects); '
                + (f"unknown key(s): {', '.join(unknown)}." if unknown else '"cis" is not a list.')
            )
        document = document["cis"]
    if not isinstance(document, list):
        raise ImportFileError('A JSON import is {"cis": [...]} or a list of CI objects.')
    return [(getattr(item, "line", 1), item) for item in document]


def read_csv(content: bytes | str) -> list[tuple[int, Any]]:
    text = _decode(content)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise ImportFileError("The file is empty.") from None
    except csv.Error as error:
        raise ImportFileError(f"Not valid CSV: {error}.") from None
    columns = [column.strip().lower() for column in header]
    known = set(SCALAR_COLUMNS) | set(RELATIONSHIP_COLUMNS)
    unknown = [c for c in columns if c not in known and not c.startswith(ATTRIBUTE_PREFIX)]
    if unknown:
        raise ImportFileError(
            f"Unknown column(s): {', '.join(unknown)}. Known: {', '.join(sorted(known))} and "
            f"{ATTRIBUTE_PREFIX}<attribute>."
        )
    if "name" not in columns:
        raise ImportFileError("The header has no 'name' column.")
    duplicated = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated:
        raise ImportFileError(f"Column(s) given twice: {', '.join(duplicated)}.")

    rows = []
    previous_line = reader.line_num
    try:
        for cells in reader:
            line = previous_line + 1
            previous_line = reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(columns):
                rows.append((line, f"has {len(cells)} cells, the header has {len(columns)}"))
                continue
            row: dict[str, Any] = {}
            attributes: dict[str, str] = {}
            for column, cell in zip(columns, cells, strict=True):
                if not cell.strip():
                    continue
                if column.startswith(ATTRIBUTE_PREFIX):
                    attributes[column.removeprefix(ATTRIBUTE_PREFIX)] = cell.strip()
                elif column in RELATIONSHIP_COLUMNS:
                    row[column] = [n.strip() for n in cell.split(LIST_SEPARATOR) if n.strip()]
                else:
                    row[column] = cell.strip() if column != "description" else cell
            if attributes:
                row["attributes"] = _CsvAttributes(attributes)
            rows.append((line, row))
    except csv.Error as error:
        raise ImportFileError(f"Not valid CSV: {error}.", line=reader.line_num) from None
    return rows


class _CsvAttributes(dict):
    """Attribute cells from CSV: text, to be read as the types of the class schema."""


def read_rows(content: bytes | str, *, format: str) -> list[tuple[int, Any]]:
    return read_csv(content) if format == "csv" else read_json(content)


# --- checking ------------------------------------------------------------------------------------


def _choice(value: Any, choices, what: str) -> tuple[Any, str | None]:
    text = str(value).strip().lower()
    for choice in choices:
        if text in (str(choice.value).lower(), str(choice.label).lower()):
            return choice.value, None
    if choices is Criticality:
        for choice in choices:
            if text == choice.label.split(" - ")[-1].lower():
                return choice.value, None
    allowed = ", ".join(str(choice.value) for choice in choices)
    return None, f"unknown {what} {value!r} (allowed: {allowed})"


def _coerce_cell(value: str, kind: str | None) -> Any:
    if kind == "integer":
        return int(value)
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    if kind == "boolean":
        lowered = value.lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise ValueError(value)
    if kind in ("array", "object"):
        return json.loads(value)
    return value


def _csv_attributes(cells: dict[str, str], ci_class: CIClass | None) -> tuple[dict, list[str]]:
    properties = (ci_class.attribute_schema or {}).get("properties", {}) if ci_class else {}
    values, problems = {}, []
    for name, cell in cells.items():
        kind = properties.get(name, {}).get("type")
        try:
            values[name] = _coerce_cell(cell, kind)
        except (ValueError, json.JSONDecodeError):
            problems.append(f"attribute {name!r}: {cell!r} is not a valid {kind}")
    return values, problems


class _Lookups:
    """Everything rows refer to, loaded once for the whole file."""

    def __init__(self, names: set[str]):
        self.classes: dict[str, CIClass] = {}
        for ci_class in CIClass.objects.all():
            self.classes[ci_class.slug.lower()] = ci_class
            self.classes[ci_class.name.lower()] = ci_class
        self.class_slugs = sorted({c.slug for c in self.classes.values()})
        self.teams: dict[str, Team] = {}
        for team in Team.objects.all():
            self.teams[team.slug.lower()] = team
            self.teams[team.name.lower()] = team
        self.locations = {location.name.lower(): location for location in Location.objects.all()}
        self.existing = {
            ci.name: ci
            for ci in ConfigurationItem.objects.filter(name__in=names).select_related("ci_class")
        }
        self.related: set[tuple[int, int, str]] = set()

    def load_relationships(self, names: set[str]) -> None:
        self.existing |= {
            ci.name: ci
            for ci in ConfigurationItem.objects.filter(name__in=names - set(self.existing))
        }
        ids = [ci.pk for ci in self.existing.values()]
        self.related = set(
            Relationship.objects.filter(source_id__in=ids, target_id__in=ids).values_list(
                "source_id", "target_id", "type"
            )
        )


_JSON_KEYS = set(SCALAR_COLUMNS) | set(RELATIONSHIP_COLUMNS) | {"attributes"}


def _check_row(raw: Any, lookups: _Lookups) -> tuple[str, dict, list[tuple[str, str]], list[str]]:
    """(name, values for create/update, relationships, reasons the row is bad)."""
    if isinstance(raw, str):  # a structural problem found while reading
        return "", {}, [], [raw]
    if not isinstance(raw, dict):
        return "", {}, [], ["is not an object"]
    reasons = []
    unknown = sorted(set(raw) - _JSON_KEYS)
    if unknown:
        reasons.append(f"unknown field(s): {', '.join(unknown)}")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        return "", {}, [], [*reasons, "name is required"]
    name = name.strip()
    if len(name) > 200:
        reasons.append("name is longer than 200 characters")
    existing = lookups.existing.get(name)
    values: dict[str, Any] = {}

    def given(key):
        value = raw.get(key)
        return None if value is None or (isinstance(value, str) and not value.strip()) else value

    ci_class = existing.ci_class if existing else None
    if given("class") is not None:
        ci_class = lookups.classes.get(str(raw["class"]).strip().lower())
        if ci_class is None:
            reasons.append(
                f"unknown class {raw['class']!r} (known: {', '.join(lookups.class_slugs)})"
            )
        else:
            values["ci_class"] = ci_class
    elif existing is None:
        reasons.append("class is required for a new CI")

    for key, choices in (
        ("environment", Environment),
        ("status", CIStatus),
        ("criticality", Criticality),
    ):
        if given(key) is not None:
            value, problem = _choice(raw[key], choices, key)
            if problem:
                reasons.append(problem)
            else:
                values[key] = value
    if given("owner_team") is not None:
        team = lookups.teams.get(str(raw["owner_team"]).strip().lower())
        if team is None:
            reasons.append(f"unknown owner team {raw['owner_team']!r}")
        values["owner_team"] = team
    if given("location") is not None:
        location = lookups.locations.get(str(raw["location"]).strip().lower())
        if location is None:
            reasons.append(f"unknown location {raw['location']!r}")
        values["location"] = location
    for key, limit in (("monitoring_address", 255), ("description", None)):
        if given(key) is not None:
            if not isinstance(raw[key], str):
                reasons.append(f"{key} must be text")
            elif limit and len(raw[key].strip()) > limit:
                reasons.append(f"{key} is longer than {limit} characters")
            else:
                values[key] = raw[key].strip() if limit else raw[key]

    attributes = raw.get("attributes")
    if attributes is not None:
        if isinstance(attributes, _CsvAttributes):
            attributes, problems = _csv_attributes(attributes, ci_class)
            reasons.extend(problems)
        if not isinstance(attributes, dict):
            reasons.append("attributes must be an object")
        elif ci_class is not None:
            merged = {**(existing.attributes if existing else {}), **attributes}
            problems = attribute_errors(ci_class=ci_class, attributes=merged)
            if problems:
                reasons.append(describe_attribute_errors(problems))
            values["attributes"] = dict(merged)
    elif existing is not None and "ci_class" in values:
        problems = attribute_errors(ci_class=ci_class, attributes=existing.attributes)
        if problems:
            reasons.append(describe_attribute_errors(problems))

    relationships = []
    for type in RELATIONSHIP_COLUMNS:
        targets = given(type)
        if targets is None:
            continue
        if isinstance(targets, str):
            targets = [targets]
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            reasons.append(f"{type} must be a list of CI names")
            continue
        for target in dict.fromkeys(t.strip() for t in targets if t.strip()):
            if target == name:
                reasons.append(f"{type} {target!r}: a CI cannot be related to itself")
            else:
                relationships.append((type, target))
    return name, values, relationships, reasons


def plan_import(rows: list[tuple[int, Any]]) -> ImportPlan:
    """Check every row; the plan holds the good rows and a RowError for each bad one."""
    plan = ImportPlan(total_rows=len(rows))
    names = {
        raw["name"].strip()
        for _line, raw in rows
        if isinstance(raw, dict) and isinstance(raw.get("name"), str)
    }
    lookups = _Lookups(names)
    checked: list[tuple[int, str, dict, list, list[str]]] = []
    first_line: dict[str, int] = {}
    for line, raw in rows:
        name, values, relationships, reasons = _check_row(raw, lookups)
        if name in first_line:
            reasons.append(f"name {name!r} appears again (first at line {first_line[name]})")
        elif name:
            first_line[name] = line
        checked.append((line, name, values, relationships, reasons))

    targets = {
        target for *_rest, relationships, _reasons in checked for _t, target in relationships
    }
    lookups.load_relationships(targets)
    new_status = {
        name: values.get("status")
        for line, name, values, _r, _e in checked
        if name and first_line.get(name) == line
    }
    for _line, name, _values, relationships, reasons in checked:
        source = lookups.existing.get(name)
        for type, target in relationships:
            if target not in first_line and target not in lookups.existing:
                reasons.append(f"{type} {target!r}: no CI of that name in the file or the CMDB")
                continue
            existing_target = lookups.existing.get(target)
            if (
                source
                and existing_target
                and (source.pk, existing_target.pk, type) in lookups.related
            ):
                continue
            for end_name, existing_ci in ((name, source), (target, existing_target)):
                status = new_status.get(end_name) or (existing_ci.status if existing_ci else None)
                if status == CIStatus.RETIRED:
                    reasons.append(f"{type} {target!r}: {end_name} is retired")
                    break

    # A good row cannot point at a CI that only a bad row would have created.
    bad_rows = {
        name: line
        for line, name, _v, _r, reasons in checked
        if reasons and first_line.get(name) == line
    }
    changed = True
    while changed:
        changed = False
        for line, name, _values, relationships, reasons in checked:
            if reasons:
                continue
            for type, target in relationships:
                if target in bad_rows and target not in lookups.existing:
                    reasons.append(
                        f"{type} {target!r}: that CI's row (line {bad_rows[target]}) is invalid"
                    )
                    bad_rows[name] = line
                    changed = True
                    break

    for line, name, values, relationships, reasons in checked:
        if reasons:
            plan.row_errors.append(RowError(line=line, name=name, reason="; ".join(reasons)))
        else:
            plan.valid_rows.append(
                ImportRow(
                    line=line,
                    name=name,
                    values=values if name in lookups.existing else {"name": name, **values},
                    existing=lookups.existing.get(name) if name in names else None,
                    relationships=relationships,
                )
            )
    return plan


def plan_import_file(
    content: bytes | str, *, filename: str, format: str | None = None
) -> ImportPlan:
    """Read and check a whole file; file-level problems land in `file_errors`."""
    try:
        rows = read_rows(content, format=detect_format(filename, format))
    except ImportFileError as error:
        return ImportPlan(file_errors=[RowError(line=error.line, name="", reason=str(error))])
    return plan_import(rows)
