"""Output formats of ``imagelens analyze``: JSON Lines, JSON, CSV and a table."""

from __future__ import annotations

import csv
import json
from enum import StrEnum
from typing import IO, Any

from rich.console import Console
from rich.table import Table

from imagelens.types import AnalysisResult

# The fields of the v2 API's "completed" variant that a CLI record carries.
COMPLETED_FIELDS = (
    "description",
    "tags",
    "visible_text",
    "text_regions",
    "metadata",
    "confidence_score",
    "category",
    "extracted",
    "moderation",
    "colors",
    "backend",
)
CSV_COLUMNS = (
    "file",
    "status",
    "category",
    "description",
    "tags",
    "visible_text",
    "width",
    "height",
    "format",
    "error_type",
    "error_message",
)


class OutputFormat(StrEnum):
    JSONL = "jsonl"
    JSON = "json"
    CSV = "csv"
    TABLE = "table"


def success_record(file: str, result: AnalysisResult, ms: float) -> dict[str, Any]:
    data = result.model_dump(mode="json", include=set(COMPLETED_FIELDS))
    return {"file": file, "status": "completed", "processing_time_ms": ms, **data}


def error_record(file: str, error: dict[str, Any]) -> dict[str, Any]:
    return {"file": file, "status": "failed", "error": error}


class Writer:
    """Writes records as they come (jsonl) or all at the end (json, csv, table)."""

    def __init__(self, fmt: OutputFormat, stream: IO[str]) -> None:
        self.fmt = fmt
        self.stream = stream
        self.records: list[dict[str, Any]] = []

    def add(self, record: dict[str, Any]) -> None:
        if self.fmt is OutputFormat.JSONL:
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.stream.flush()
        else:
            self.records.append(record)

    def close(self) -> None:
        if self.fmt is OutputFormat.JSON:
            json.dump(self.records, self.stream, ensure_ascii=False, indent=2)
            self.stream.write("\n")
        elif self.fmt is OutputFormat.CSV:
            writer = csv.DictWriter(self.stream, fieldnames=CSV_COLUMNS, extrasaction="ignore")
            writer.writeheader()
            writer.writerows(_flat(r) for r in self.records)
        elif self.fmt is OutputFormat.TABLE:
            table = Table("file", "category", "description", "tags", "text")
            for r in self.records:
                flat = _flat(r)
                table.add_row(
                    flat["file"],
                    flat["category"] or flat["status"],
                    flat["description"] or flat["error_message"],
                    flat["tags"],
                    (flat["visible_text"] or "")[:40],
                )
            Console(file=self.stream, width=160).print(table)
        self.stream.flush()


def _flat(record: dict[str, Any]) -> dict[str, str]:
    meta = record.get("metadata") or {}
    error = record.get("error") or {}
    return {
        "file": record["file"],
        "status": record["status"],
        "category": record.get("category") or "",
        "description": record.get("description") or "",
        "tags": ";".join(record.get("tags") or []),
        "visible_text": record.get("visible_text") or "",
        "width": str(meta.get("width", "")),
        "height": str(meta.get("height", "")),
        "format": str(meta.get("format", "")),
        "error_type": error.get("type", ""),
        "error_message": error.get("message", ""),
    }
