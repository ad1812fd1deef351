"""The store: the output folder, both ways.

One subpackage writes an output folder, reads it back, knows its file list,
the hashes and which files a run owns, and parses run.json in one place:

* :mod:`._folder` -- the folder's names (run.json, the marker, the journal),
  whether a path can be an output folder, and the one run.json parser;
* :mod:`._ownership` -- which files a run owns and may replace (hashes,
  the journal of an interrupted run, leftovers, stale outputs);
* :mod:`._records` -- the records as tables and JSON (``Result.topics``,
  topics.json, the digest cache), both ways;
* :mod:`._manifest` -- run.json's content;
* :mod:`._write` -- writing a run (every file atomically, run.json last);
* :mod:`._read` -- reading a run back, checked against its hashes.

The folder layout::

    DIR/segments.csv   articles.csv   topics.json
    DIR/run.json       the commit record, written last (config, versions, inputs, outputs with sha256)
    DIR/report.html    report.pdf     report.md
    DIR/model/         the fitted run (safetensors, no pickle)
    DIR/.topicsum      the marker: never read this folder as input
"""

from __future__ import annotations

from ._folder import JOURNAL, MANIFEST, MARKER, check_output_path, is_output_folder, parse_manifest, read_manifest
from ._manifest import date_range, run_manifest, versions
from ._ownership import MODEL_DIR, REPORT_FILES, TABLE_FILES, check_not_input, interrupted, prepare_output_dir
from ._read import read_record, read_run
from ._records import (
    GROUP_COLUMNS,
    TOPIC_COLUMNS,
    digest_from_json,
    digest_to_json,
    groups_frame,
    groups_from_frame,
    groups_from_json,
    themes_from_json,
    topics_frame,
    topics_json,
)
from ._write import write_outputs

__all__ = [
    "GROUP_COLUMNS",
    "JOURNAL",
    "MANIFEST",
    "MARKER",
    "MODEL_DIR",
    "REPORT_FILES",
    "TABLE_FILES",
    "TOPIC_COLUMNS",
    "check_not_input",
    "check_output_path",
    "date_range",
    "digest_from_json",
    "digest_to_json",
    "groups_frame",
    "groups_from_frame",
    "groups_from_json",
    "interrupted",
    "is_output_folder",
    "parse_manifest",
    "prepare_output_dir",
    "read_manifest",
    "read_record",
    "read_run",
    "run_manifest",
    "themes_from_json",
    "topics_frame",
    "topics_json",
    "versions",
    "write_outputs",
]
