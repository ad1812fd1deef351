"""The ``topicsum`` command.

    topicsum run INPUT... --out DIR [--format html,pdf,md] [--n-topics N] [--dask ADDRESS] ...

User errors (bad paths, bad options, unloadable models) print one line on
stderr and exit with code 2; no traceback.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from ._version import __version__
from ._config import REPORT_FORMATS, Config
from ._errors import ConfigError, UserError

__all__ = ["main"]

logger = logging.getLogger("topicsum")

# Flags that map one-to-one onto Config options: (flag, option, help).
_OPTION_FLAGS: tuple[tuple[str, str, str], ...] = (
    ("--n-topics", "n_topics", "number of themes, or 'auto' (default)"),
    ("--min-topic-size", "min_topic_size", "smallest theme (default: adapts to the corpus)"),
    ("--seed", "seed", "random seed (default 42)"),
    ("--embed-model", "model", "embedding model: 'minilm' (bundled) or a sentence-transformers name/path"),
    ("--embed-backend", "backend", "embedding backend: torch or onnx-int8"),
    ("--summariser", "summariser", "smollm2 (bundled), extractive, none, openai (your server), a .gguf file, "
     "or a Hugging Face model name/path"),
    ("--engine", "engine", "engine for GGUF models: auto, transformers, llama.cpp"),
    ("--llm-url", "llm_base_url", "--summariser openai: the server's address, e.g. http://127.0.0.1:11434/v1 "
     "(default $TOPICSUM_LLM_BASE_URL)"),
    ("--llm-model", "llm_model", "--summariser openai: the model to ask (default $TOPICSUM_LLM_MODEL, "
     "else the first the server lists)"),
    ("--mode", "mode", "digest mode: hybrid, abstractive, extractive"),
    ("--text-column", "text_column", "text column/key of CSV, JSONL or DataFrame inputs (default 'text')"),
    ("--title-column", "title_column", "title column/key (default 'title')"),
    ("--date-column", "date_column", "date column/key (default 'date')"),
    ("--title", "title", "report title"),
    ("--template-dir", "template_dir", "folder with your own Jinja2 report templates"),
)


class _ArgumentParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2, like every other user error
        self.exit(2, f"topicsum: error: {message}; see 'topicsum run --help'.\n")


def _build_parser() -> argparse.ArgumentParser:
    parser = _ArgumentParser(prog="topicsum", description="Themes and cited digests from the news pages you collect.")
    parser.add_argument("--version", action="version", version=f"topicsum {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_ArgumentParser)
    run = sub.add_parser(
        "run",
        help="ingest inputs, find themes, write digests and reports",
        description="Ingest news pages, group their segments into themes and write digests and reports into --out.",
    )
    run.add_argument("inputs", nargs="+", metavar="INPUT", help="files (.txt .md .html .jsonl .csv) or folders")
    run.add_argument("--out", "-o", required=True, metavar="DIR", help="output folder (created if needed)")
    run.add_argument("--config", metavar="FILE", help="TOML file with one table per stage ([cluster], [summarise]...)")
    run.add_argument(
        "--format",
        dest="formats",
        metavar="LIST",
        help=f"comma-separated report formats from {','.join(REPORT_FORMATS)} (default html,pdf); 'none' for no report",
    )
    for flag, option, text in _OPTION_FLAGS:
        run.add_argument(flag, dest=option, help=text)
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other option, e.g. --set max_chars=600 (repeatable)",
    )
    run.add_argument(
        "--dask",
        metavar="ADDRESS",
        help="run the parallel stages on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' / "
        "'local:N' for N local worker processes (needs topicsum[dask])",
    )
    run.add_argument("--cache-dir", help="cache folder for embeddings and converted models (default $TOPICSUM_CACHE)")
    run.add_argument("--overwrite", action="store_true", help="replace files in --out that topicsum did not write")
    run.add_argument(
        "--fresh",
        action="store_true",
        help="do not continue the earlier run in --out: find the stories afresh (by default a run into a folder "
        "that holds one continues it: stories keep their ids and the report says what changed)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide progress bars")
    run.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    run.add_argument("-q", "--quiet", action="store_true", help="only errors")
    return parser


def _options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for _flag, option, _text in _OPTION_FLAGS:
        value = getattr(args, option, None)
        if value is not None:
            options[option] = value
    if args.formats is not None:
        options["formats"] = () if args.formats.strip().lower() == "none" else args.formats
    for item in args.set:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--set expects KEY=VALUE, not {item!r}.")
        options[key.strip()] = value.strip()
    if args.cache_dir:
        options["cache_dir"] = args.cache_dir
    if options.get("min_topic_size") is not None:
        options["min_topic_size"] = _int("--min-topic-size", options["min_topic_size"])
    if options.get("seed") is not None:
        options["seed"] = _int("--seed", options["seed"])
    return options


def _int(flag: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{flag} must be a whole number, not {value!r}.") from None


def _configure_logging(verbose: int, quiet: bool) -> None:
    level = logging.ERROR if quiet else (logging.DEBUG if verbose > 1 else logging.INFO if verbose else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("topicsum: %(message)s"))
    root = logging.getLogger("topicsum")
    root.handlers[:] = [handler]
    root.setLevel(level)
    warnings.showwarning = _show_warning


def _show_warning(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """Warnings as one line ("topicsum: warning: ..."), without the file and source line of Python's format."""
    ours = category.__module__.startswith("topicsum")
    logger.warning("warning: %s", message if ours else f"{category.__name__}: {message}")


def _run(args: argparse.Namespace) -> int:
    from ._pipeline import run

    base = Config.from_toml(args.config) if args.config else None
    options = _options(args)
    with _dask_client(args.dask) as client:
        result = run(
            args.inputs,
            config=base,
            out=args.out,
            overwrite=args.overwrite,
            show_progress=False if (args.no_progress or args.quiet) else None,
            client=client,
            fresh=args.fresh,
            **options,
        )
    counts = result.manifest["counts"]
    if not args.quiet:
        skipped = len(result.manifest.get("skipped") or [])
        print(
            f"topicsum: {counts['articles']} articles, {counts['segments']} segments "
            f"({counts['duplicates']} duplicates), {counts['themes']} themes"
            + (f", {skipped} input{'s' if skipped != 1 else ''} skipped (reasons in run.json)" if skipped else "")
            + f" -> {args.out}"
        )
        continued = result.manifest.get("continued")
        if continued:
            changes = result.manifest.get("changes") or {}
            shown = ", ".join(f"{changes[s]} {s}" for s in ("new", "updated", "unchanged", "merged", "gone") if changes.get(s))
            added = int(changes.get("articles_added", 0))
            print(f"  since the run of {continued['created']}: {shown or 'no stories'}; "
                  f"{added} article{'' if added == 1 else 's'} added")  # fmt: skip
        for _, row in result.topics.iterrows():
            if row["topic"] >= 0:
                status = f" {row['status']}" if continued else ""
                n = len(row["article_ids"])
                print(f"  [story {row['story_id']}{status}] {row['label']} ({n} article{'' if n == 1 else 's'})")
    return 0


def _dask_client(address: str | None) -> AbstractContextManager[Any]:
    """The Dask client ``--dask`` asks for (started and closed here), or ``None``."""
    if not address:
        return nullcontext(None)
    from ._dask import dask_client

    # without -v, the cluster's own chatter stays quiet
    return dask_client(address.strip(), quiet=logging.getLogger("topicsum").level > logging.INFO)


def _hide_library_progress_bars() -> None:
    """Hide the libraries' own bars too ("Loading weights", GGUF de-quantising), not only ours."""
    os.environ["HF_HUB_DISABLE_PROGRESS_BARS"] = "1"  # read by transformers when it is imported
    os.environ["TQDM_DISABLE"] = "1"  # tqdm's default for bars that do not say, read when tqdm is imported
    with warnings.catch_warnings():  # the hub warns when its own variable was "0" at import
        warnings.simplefilter("ignore")
        if "transformers" in sys.modules:  # already imported (an in-process call): switch it off directly
            sys.modules["transformers"].utils.logging.disable_progress_bar()
        if "huggingface_hub" in sys.modules:
            sys.modules["huggingface_hub"].utils.disable_progress_bars()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``topicsum`` console command; returns the exit code."""
    parser = _build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    _configure_logging(args.verbose, args.quiet)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if args.no_progress or args.quiet:
        _hide_library_progress_bars()
    try:
        return _run(args)
    except UserError as exc:
        print(f"topicsum: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("topicsum: interrupted; files already written are complete, nothing half-written was kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
