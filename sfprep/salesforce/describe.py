"""Describe JSON: the object's fields as Salesforce reports them, validated on the way in.

Accepts the raw REST describe (`GET .../sobjects/<Object>/describe`) and the
`sf sobject describe --json` wrapper `{"status": 0, "result": {...}}`; sf's error wrapper
(`{"status": 1, "name": ..., "message": ...}`) is a usage error quoting sf's message. A folder holds one
`<Object>.json` (or `<Object>.describe.json`) per object.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sfprep.core.model import UsageError

MAX_DESCRIBE_BYTES = 64 << 20


@dataclass(frozen=True)
class FieldInfo:
    name: str
    type: str
    length: int
    nillable: bool
    createable: bool
    updateable: bool
    defaulted_on_create: bool
    external_id: bool
    id_lookup: bool
    reference_to: tuple[str, ...]
    relationship_name: str | None
    polymorphic: bool
    picklist_values: tuple[str, ...]   # active values
    restricted_picklist: bool
    case_sensitive: bool = False       # values compared with case (external ids are not, unless this)

    @property
    def is_lookup(self) -> bool:
        return self.type == "reference" and bool(self.reference_to)

    @property
    def is_indexed(self) -> bool:
        return self.external_id or self.id_lookup

    @property
    def is_required_on_insert(self) -> bool:
        return not self.nillable and self.createable and not self.defaulted_on_create


@dataclass(frozen=True)
class ObjectInfo:
    name: str
    fields: dict[str, FieldInfo]           # by lower-case name
    relationships: dict[str, FieldInfo]    # lookup fields by lower-case relationshipName
    child_relationships: frozenset[str]    # lower-case child relationship names
    source: str

    def field(self, name: str) -> FieldInfo | None:
        return self.fields.get(name.lower())

    def relationship(self, name: str) -> FieldInfo | None:
        return self.relationships.get(name.lower())


class DescribeSource:
    """Describes found from `--describe FILE|DIR`, loaded lazily per object and cached."""

    def __init__(self, path: str | None):
        self.path = Path(path) if path else None
        self._cache: dict[str, ObjectInfo | None] = {}
        if self.path is not None and not self.path.exists():
            raise UsageError(f"{path}: describe file or folder not found")
        if self.path is not None and self.path.is_file():
            single = load_describe(self.path)
            self._cache[single.name.lower()] = single

    @property
    def given(self) -> bool:
        return self.path is not None

    def get(self, object_name: str | None) -> ObjectInfo | None:
        if object_name is None or self.path is None:
            return None
        key = object_name.lower()
        if key not in self._cache:
            self._cache[key] = self._find(object_name)
        return self._cache[key]

    def _find(self, object_name: str) -> ObjectInfo | None:
        if not self.path.is_dir():
            return None
        for candidate in (f"{object_name}.json", f"{object_name}.describe.json"):
            for path in self.path.iterdir():
                if path.name.lower() == candidate.lower() and path.is_file():
                    info = load_describe(path)
                    if info.name.lower() != object_name.lower():
                        raise UsageError(f"{path}: describes {info.name}, not {object_name}")
                    return info
        return None


def load_describe(path: Path) -> ObjectInfo:
    try:
        if path.stat().st_size > MAX_DESCRIBE_BYTES:
            raise UsageError(f"{path}: describe JSON larger than {MAX_DESCRIBE_BYTES >> 20} MiB")
        data = json.loads(path.read_bytes())
    except OSError as error:
        raise UsageError(f"{path}: cannot read describe JSON: {error.strerror}") from None
    except (ValueError, RecursionError) as error:
        raise UsageError(f"{path}: not JSON: {str(error).splitlines()[0]}") from None
    return parse_describe(data, str(path))


def parse_describe(data: object, source: str) -> ObjectInfo:
    def fail(problem: str):
        raise UsageError(f"{source}: not a describe JSON: {problem}")

    if isinstance(data, dict) and "fields" not in data and ("result" in data or data.get("status", 0) != 0):
        if data.get("status", 0) != 0:
            fail(_sf_error(data))
        data = data["result"]
    if not isinstance(data, dict):
        fail("expected a JSON object")
    name = data.get("name")
    if not isinstance(name, str) or not name:
        fail("no object `name`")
    raw_fields = data.get("fields")
    if not isinstance(raw_fields, list):
        fail("no `fields` list")
    fields = [_field(raw, index, fail) for index, raw in enumerate(raw_fields)]
    children = data.get("childRelationships") or []
    if not isinstance(children, list):
        fail("`childRelationships` is not a list")
    child_names = frozenset(c["relationshipName"].lower() for c in children
                            if isinstance(c, dict) and isinstance(c.get("relationshipName"), str))
    return ObjectInfo(
        name=name,
        fields={f.name.lower(): f for f in fields},
        relationships={f.relationship_name.lower(): f for f in fields if f.relationship_name and f.is_lookup},
        child_relationships=child_names,
        source=source,
    )


def _sf_error(wrapper: dict) -> str:
    """The `sf` command's own error, on one line: `{"status": 1, "name": ..., "message": ...}`."""
    said = " ".join(str(wrapper.get("message") or "").split())
    name = wrapper.get("name")
    problem = f"the sf command failed (status {wrapper.get('status')!r})"
    if isinstance(name, str) and name:
        problem += f": {name}"
    return f"{problem}: {said}" if said else problem


def _field(raw: object, index: int, fail) -> FieldInfo:
    if not isinstance(raw, dict):
        fail(f"fields[{index}] is not an object")
    name, kind = raw.get("name"), raw.get("type")
    if not isinstance(name, str) or not name or not isinstance(kind, str):
        fail(f"fields[{index}] has no `name` or `type`")
    reference_to = raw.get("referenceTo") or []
    picklist = raw.get("picklistValues") or []
    if not isinstance(reference_to, list) or not isinstance(picklist, list):
        fail(f"field {name}: `referenceTo` or `picklistValues` is not a list")
    length = raw.get("length") or 0
    if not isinstance(length, int):
        fail(f"field {name}: `length` is not an integer")
    return FieldInfo(
        name=name, type=kind.lower(), length=length,
        nillable=bool(raw.get("nillable", True)), createable=bool(raw.get("createable", True)),
        updateable=bool(raw.get("updateable", True)),
        defaulted_on_create=bool(raw.get("defaultedOnCreate", False)),
        external_id=bool(raw.get("externalId", False)), id_lookup=bool(raw.get("idLookup", False)),
        reference_to=tuple(str(r) for r in reference_to),
        relationship_name=raw.get("relationshipName") if isinstance(raw.get("relationshipName"), str) else None,
        polymorphic=len(reference_to) > 1 or bool(raw.get("polymorphicForeignKey", False)),
        picklist_values=tuple(str(p.get("value")) for p in picklist
                              if isinstance(p, dict) and p.get("active", True) and p.get("value") is not None),
        restricted_picklist=bool(raw.get("restrictedPicklist", False)),
        case_sensitive=bool(raw.get("caseSensitive", False)),
    )
