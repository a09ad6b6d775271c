"""Incident exporters: store rows (dicts keyed by INCIDENT_COLUMNS) out as JSON Lines, CSV or GeoJSON.

Rows come from the store (`store.incident_row`, or `iter_incident_rows` zipped with INCIDENT_COLUMNS: fatal 0/1/None,
victim_ages a JSON text) or from DataFrame records of them (NaN for a missing number). Exported records carry every
column: fatal as true/false/null, victim_ages as a list in JSON and as "18;17" in CSV. A CSV text cell a spreadsheet
would run as a formula ("=HYPERLINK(...)" in a headline) is written with a leading apostrophe.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from extract.records import ExtractError
from extract.store import INCIDENT_COLUMNS

INTEGER_COLUMNS = frozenset(
    {"candidates", "arrests", "evidence_start", "type_start", "type_end", "place_start", "place_end"}
)
FLOAT_COLUMNS = frozenset({"lat", "lon"})
EXPORT_FORMATS = (".csv", ".geojson", ".jsonl")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet reads a cell opening so as a formula (OWASP)


def write_incidents(rows: Iterable[dict], path: str | Path, *, columns: Sequence[str] = INCIDENT_COLUMNS) -> int:
    """Write incident rows to `path` as .jsonl, .csv or .geojson (by its extension); returns the number written.
    `columns` may add columns after INCIDENT_COLUMNS (`--out` adds event_id), written as the rows give them.

    Example:
        write_incidents((dict(zip(INCIDENT_COLUMNS, r)) for r in iter_incident_rows(conn)), "out/incidents.geojson")
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in EXPORT_FORMATS:
        raise ExtractError(f"{path}: unknown export format {suffix!r} (expected {', '.join(EXPORT_FORMATS)})")
    writer = {".csv": _write_csv, ".geojson": _write_geojson, ".jsonl": _write_jsonl}[suffix]
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            return writer(_records(rows, columns), f, columns)
    except OSError as e:
        raise ExtractError(f"{path}: cannot write ({e.strerror or e})") from None


def incidents_geojson(rows: Iterable[dict]) -> dict:
    """Return a GeoJSON FeatureCollection of Points (lon, lat), with "geometry": null for incidents without a place."""
    return {"type": "FeatureCollection", "features": [_feature(r) for r in _records(rows)]}


def incidents_csv(rows: Iterable[dict]) -> str:
    """Return the incidents as CSV text: a header row of INCIDENT_COLUMNS, then one row per incident."""
    out = io.StringIO()
    _write_csv(_records(rows), out)
    return out.getvalue()


def _write_jsonl(records: Iterator[dict], f: TextIO, columns: Sequence[str] = INCIDENT_COLUMNS) -> int:
    count = 0
    for record in records:
        f.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def _write_csv(records: Iterator[dict], f: TextIO, columns: Sequence[str] = INCIDENT_COLUMNS) -> int:
    writer = csv.writer(f)
    writer.writerow(columns)
    count = 0
    for record in records:
        writer.writerow(_csv_value(record[c]) for c in columns)
        count += 1
    return count


def _write_geojson(records: Iterator[dict], f: TextIO, columns: Sequence[str] = INCIDENT_COLUMNS) -> int:
    # Written feature by feature, so a large export never sits in memory as one document.
    f.write('{"type": "FeatureCollection", "features": [')
    count = 0
    for record in records:
        f.write(("\n" if count == 0 else ",\n") + json.dumps(_feature(record), ensure_ascii=False))
        count += 1
    f.write("\n]}\n")
    return count


def _feature(record: dict) -> dict:
    lon, lat = record["lon"], record["lat"]
    geometry = None if lon is None or lat is None else {"type": "Point", "coordinates": [lon, lat]}
    return {"type": "Feature", "id": record["incident_id"], "geometry": geometry, "properties": record}


def _csv_value(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # text to a spreadsheet: untrusted news text must not run there
    return value


def _records(rows: Iterable[dict], columns: Sequence[str] = INCIDENT_COLUMNS) -> Iterator[dict]:
    """Yield each row as an export record: `columns` in order, JSON types, None for missing values."""
    for row in rows:
        missing = [c for c in columns if c not in row]
        if missing:
            raise ExtractError(f"incident {row.get('incident_id')!r}: row lacks columns {', '.join(missing)}")
        record: dict[str, Any] = {c: _missing_as_none(row[c]) for c in columns}
        for column in INTEGER_COLUMNS:
            if record[column] is not None:
                record[column] = int(record[column])
        for column in FLOAT_COLUMNS:
            if record[column] is not None:
                record[column] = float(record[column])
        record["fatal"] = None if record["fatal"] is None else bool(record["fatal"])
        record["victim_ages"] = _ages(record["victim_ages"], record["incident_id"])
        yield record


def _missing_as_none(value: object) -> object:
    # DataFrame records hold NaN where the store holds NULL.
    return None if isinstance(value, float) and math.isnan(value) else value


def _ages(value: object, incident_id: object) -> list[int]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            value = None
    if not isinstance(value, (list, tuple)) or not all(isinstance(a, int) and not isinstance(a, bool) for a in value):
        raise ExtractError(f"incident {incident_id!r}: victim_ages is not a list of integers")
    return list(value)
