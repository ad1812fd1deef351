"""Helpers shared by test modules (imported as ``helpers``: pytest puts tests/ on sys.path)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

#: Fields that record when a run happened (a story's first_seen and last_updated, an article's first_seen, the
#: time of the run a run continued): two runs of the same pile may differ there and nowhere else.
RUN_TIME_FIELDS = frozenset({"first_seen", "last_updated", "continued"})


def _without_times(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_times(v) for k, v in data.items() if k not in RUN_TIME_FIELDS}
    if isinstance(data, list):
        return [_without_times(v) for v in data]
    return data


def run_content(path: Path) -> Any:
    """A file of an output folder as compared between runs: its content without the times of the run."""
    if path.suffix == ".json":
        return _without_times(json.loads(path.read_text(encoding="utf-8")))
    if path.suffix == ".csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
        keep = [i for i, name in enumerate(rows[0]) if name not in RUN_TIME_FIELDS] if rows else []
        return [[row[i] for i in keep] for row in rows]
    return path.read_bytes()
