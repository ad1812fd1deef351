"""Run every benchmark and gather the figures in bench/results.json and bench/RESULTS.md.

    .venv/bin/python bench/run_all.py                 # everything (about two hours on 2 cores)
    .venv/bin/python bench/run_all.py --quick         # small samples, for a smoke run
    .venv/bin/python bench/run_all.py --only speed    # one or more of: embed, speed, stories, digests, dask, extraction, stream, first_run, labels, stream_rules

Each benchmark is its own script (readable, runnable alone) that writes a JSON
file beside this one; this script runs them one after the other (never side by
side: they would share the two cores) and writes the summary table.  Data come
from ../shared/data (relative to the project root); a benchmark whose data are
missing says so and is skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

BENCHES = {
    "embed": ("embed_speed.py", "embed_speed.json", ["--n", "2000"], ["--n", "300"]),
    "speed": ("pipeline_speed.py", "pipeline_speed.json", [], ["--quick"]),
    "stories": ("stories.py", "stories.json", [], ["--only", "seeds,mn200"]),
    "digests": (
        "digests.py", "digests.json", ["--modes", "hybrid,extractive", "--cold"],
        ["--modes", "hybrid,extractive", "--limit", "10", "--cold"],
    ),
    "dask": ("dask_scaling.py", "dask_scaling.json", [], ["--quick"]),
    "extraction": ("extraction.py", "extraction.json", [], ["--limit", "100"]),
    "stream": ("stream.py", "stream.json", [], ["--only", "mn200", "--arrivals", "3"]),
    "first_run": ("first_run.py", "first_run.json", [], []),
    "labels": ("labels.py", "labels.json", [], ["--bbc", "100"]),
    "stream_rules": ("stream_rules.py", "stream_rules.json", [], []),
}


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _machine() -> dict[str, object]:
    mem_gb = None
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("MemTotal:"):
                    mem_gb = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    return {
        "cpu_cores": os.cpu_count(),
        "memory_gb": mem_gb,
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "gpu": False,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small samples (smoke run)")
    parser.add_argument("--only", nargs="+", choices=sorted(BENCHES), help="run only these benchmarks")
    args = parser.parse_args(argv)

    env = dict(os.environ, HF_HUB_OFFLINE="1", TOKENIZERS_PARALLELISM="false", MPLBACKEND="Agg")
    env.setdefault("TOPICSUM_CACHE", str(HERE / "cache" / "topicsum"))
    results: dict[str, object] = {}
    results_path = HERE / "results.json"
    if results_path.exists() and args.only:
        results = json.loads(results_path.read_text(encoding="utf-8"))
        results = {k: v for k, v in results.items() if k in BENCHES}  # sections of retired benchmarks go
    results["machine"] = _machine()
    results["created"] = _now()
    for name in args.only or list(BENCHES):
        script, output, full_args, quick_args = BENCHES[name]
        cmd = [sys.executable, str(HERE / script), "--out", str(HERE / output), *(quick_args if args.quick else full_args)]
        print(f"== {name}: {' '.join(cmd[1:])}", flush=True)
        start = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, env=env)
        seconds = round(time.perf_counter() - start, 1)
        if proc.returncode != 0:
            print(f"== {name}: failed with exit code {proc.returncode}", flush=True)
            results[name] = {"error": f"exit code {proc.returncode}", "seconds": seconds}
            continue
        out = HERE / output
        results[name] = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"skipped": True}
        if isinstance(results[name], dict):
            results[name]["measured"] = _now()
            results[name]["bench_seconds"] = seconds
        print(f"== {name}: {seconds} s", flush=True)
    results_path.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = summary_table(results)
    (HERE / "RESULTS.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


def _get(data: object, *keys: str) -> object:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def summary_table(results: dict[str, object]) -> str:
    """The short Markdown table README quotes (each benchmark also prints its own)."""
    machine = results.get("machine", {})
    lines = [
        "# Benchmark results",
        "",
        f"Measured {results.get('created', '')} on {machine.get('cpu_cores')} CPU cores, "
        f"{machine.get('memory_gb')} GB RAM, no GPU. Full tables: the JSON files in bench/.",
        "",
        "| figure | value | target |",
        "| --- | --- | --- |",
    ]
    for row in _get(results, "speed", "summary") or []:
        lines.append(f"| {row['figure']} | {row['value']} | {row.get('target', '')} |")
    rows = (
        _embed_rows(results.get("embed")) + _stories_rows(results.get("stories")) + _dask_rows(results.get("dask"))
        + _extraction_rows(results.get("extraction")) + _stream_rows(results.get("stream"))
        + _first_run_rows(results.get("first_run")) + _labels_rows(results.get("labels"))
        + _stream_rules_rows(results.get("stream_rules"))
    )  # fmt: skip
    for row in rows:
        lines.append(f"| {row[0]} | {row[1]} | {row[2]} |")
    lines += _digest_table(results.get("digests"))
    stamps = [f"{k}: {v['measured']} ({v.get('bench_seconds')} s)" for k, v in results.items()
              if isinstance(v, dict) and v.get("measured")]  # fmt: skip
    if stamps:
        lines += ["", "Each benchmark's finishing time and duration: " + "; ".join(stamps) + "."]
    return "\n".join(lines) + "\n"


def _embed_rows(data: object) -> list[tuple[str, object, str]]:
    if not isinstance(data, dict) or "speedup_median" not in data:
        return []
    return [
        ("int8 ONNX / PyTorch embedding speed (median; best of runs)",
         f"{data['speedup_median']}x; {data.get('speedup_best')}x", ">= 1.4x for the default"),
        ("int8 ONNX cosine to PyTorch (mean; min)", f"{data['cosine_mean']}; {data.get('cosine_min')}", "mean >= 0.99"),
    ]  # fmt: skip


def _stories_rows(data: object) -> list[tuple[str, object, str]]:
    """Stories found without being told how many (bench/stories.py)."""
    if not isinstance(data, dict):
        return []
    rows: list[tuple[str, object, str]] = []
    seeds = data.get("seeds")
    if isinstance(seeds, dict):
        rows.append(("seeds: stories / outliers / each story one theme, apart",
                     f"{seeds['stories']} / {seeds['outliers']} / {seeds['each_story_one_theme']}, {seeds['stories_apart']}",
                     "6 / 0 / True, True"))  # fmt: skip
    mn = data.get("mn200")
    if isinstance(mn, dict):
        ts, bt = mn["topicsum"], mn["default_bertopic"]
        rows.append((f"Multi-News 200 as stories ({mn['files']} files, {ts['gold']} stories): NMI / ARI / found",
                     f"{ts['NMI']} / {ts['ARI']} / {ts['found']}", "NMI >= best clustering told k (0.946) - 0.02"))  # fmt: skip
        rows.append(("Multi-News 200: default BERTopic on the same document vectors, NMI / ARI / found",
                     f"{bt['NMI']} / {bt['ARI']} / {bt['found']}", ""))  # fmt: skip
    for name, target in (("bbc", "NMI >= 0.80"), ("ag", "NMI >= 0.55")):
        c = data.get(name)
        if isinstance(c, dict):
            g = c["groups"]
            rows.append((f"{name.upper()} groups ({c['files']} files, {g['gold']} sections): NMI / found; stories",
                         f"{g['NMI']} / {g['found']}; {c['stories']}", target))  # fmt: skip
    st = data.get("stability")
    if isinstance(st, dict):
        rows.append(("Multi-News in reverse file order identical; ARI with 10% of files removed (min of 5)",
                     f"{st['reverse_order_identical']}; {st['ari_min']}", "True; >= 0.9"))  # fmt: skip
    mx = data.get("mixed")
    if isinstance(mx, dict):
        rows.append((f"mixed pile ({mx['files']} files): seed stories together and apart; Multi-News NMI",
                     f"{mx['seed_stories_together']} and {mx['seed_stories_apart']}; {mx['multi_news']['NMI']}",
                     "True and True"))  # fmt: skip
    return rows


def _dask_rows(data: object) -> list[tuple[str, object, str]]:
    """Serial against 1 and 2 Dask worker processes (bench/dask_scaling.py)."""
    runs = _get(data, "pipeline")
    if not isinstance(runs, dict) or "serial" not in runs:
        return []
    rows: list[tuple[str, object, str]] = []
    n = runs["serial"].get("unique_segments")
    times = " / ".join(f"{runs[k]['seconds']} s" for k in ("serial", "dask_1", "dask_2") if k in runs)
    rows.append((f"ingest+embed+themes, {n} segments: serial / 1 / 2 Dask workers", times, "same files"))
    same = all(runs[k].get("identical_to_serial") for k in ("dask_1", "dask_2") if k in runs)
    digests = _get(data, "digests") or {}
    same_digests = all(digests[k].get("identical_to_serial") for k in ("dask_1", "dask_2") if k in digests)
    rows.append(("Dask output identical to serial (files; SmolLM2 digests)", f"{same}; {same_digests}", "True; True"))
    sent = _get(runs, "dask_2", "bytes_per_segment") or {}
    total = round(sum(v["sent"] + v["received"] for v in sent.values()))
    over = _get(data, "overhead", "executor_ms_per_task")
    rows.append(("Dask: task payload bytes per segment; scheduler ms per task", f"{total}; {over}", ""))
    return rows


def _extraction_rows(data: object) -> list[tuple[str, object, str]]:
    """Real web pages: what the ingestion keeps and drops (bench/extraction.py)."""
    ts, ref = _get(data, "topicsum"), _get(data, "trafilatura_defaults")
    if not isinstance(ts, dict) or not isinstance(ref, dict):
        return []
    pages = _get(data, "pages")
    return [
        (f"trafilatura_eval ({pages} pages): precision / recall / accuracy, topicsum ingestion",
         f"{ts['precision']} / {ts['recall']} / {ts['accuracy']}", ">= 0.93 / >= 0.93 / >= trafilatura's"),
        ("the same, trafilatura.extract alone (defaults, same run)",
         f"{ref['precision']} / {ref['recall']} / {ref['accuracy']}", ""),
        ("pages without an article and not listed in skipped", len(ts["pages_without_article_not_in_skipped"]), "0"),
    ]  # fmt: skip


def _stream_rows(data: object) -> list[tuple[str, object, str]]:
    """Following stories as a pile grows (bench/stream.py)."""
    rows: list[tuple[str, object, str]] = []
    for name, title in (("mn200", "Multi-News 200"), ("bbc", "BBC News")):
        s = _get(data, name)
        if not isinstance(s, dict):
            continue
        rows.append((f"{title} in {s['arrivals']} arrivals: most ids changed between runs; in stories that gained nothing",
                     f"{s['max_changed_share']:.2%}; {s['changed_in_story_without_new_file']}", "<= 1%; 0"))  # fmt: skip
        rows.append((f"{title}: largest NMI gap to a fresh run; last NMI continued / fresh",
                     f"{s['max_nmi_gap']}; {s['final_nmi']} / {s['final_nmi_fresh']}",
                     "<= 0.01" + ("; >= 0.94" if name == "mn200" else "")))  # fmt: skip
        if s.get("new_precision") is None:  # sections, all seen at the first arrival: no new-story figure
            rows.append((f"{title}: grown stories not new/updated", s["grown_but_unchanged"], "0"))
        else:
            rows.append((f"{title}: grown stories not new/updated; share of new stories the gold had not seen",
                         f"{s['grown_but_unchanged']}; {s['new_precision']}", "0; >= 0.90"))  # fmt: skip
    cost = _get(data, "cost")
    if isinstance(cost, dict):
        rows.append((f"update of {cost['pile']} BBC articles by {cost['added']}: time / fresh run (empty cache)",
                     f"{cost['update_share']:.1%} ({cost['update_seconds']} s / {cost['fresh_seconds']} s)", "<= 20%"))  # fmt: skip
        rows.append(("unchanged stories whose digest is byte-identical",
                     f"{cost['unchanged_digests_identical']} of {cost['unchanged_stories']}", "all"))  # fmt: skip
    return rows


def _labels_rows(data: object) -> list[tuple[str, object, str]]:
    """Story names (bench/labels.py)."""
    rows: list[tuple[str, object, str]] = []
    for name, title in (("mn200", "Multi-News 200 (no headlines)"), ("bbc", "BBC News sample (headlines)")):
        d = _get(data, name)
        if isinstance(d, dict):
            rows.append((f"{title} names: from own headline/lead; retrieval top-1; median words; s/story",
                         f"{d['from_own_story']}; {d['retrieval_top1']}; {d['median_words']}; {d['seconds_per_story']}",
                         ">= 0.90; >= 0.92; <= 12; <= 0.3"))  # fmt: skip
    return rows


def _stream_rules_rows(data: object) -> list[tuple[str, object, str]]:
    """Rules for continuing a run, simulated on the Multi-News 200 stream (bench/stream_rules.py)."""
    rows: list[tuple[str, object, str]] = []
    for rule in ("fresh", "sticky", "moves", "recut"):
        d = _get(data, rule)
        if isinstance(d, dict):
            rows.append((f"continuing rule '{rule}' (simulated, Multi-News 200): most ids changed; changed without a "
                         "new file; NMI at the last arrival; new stories really new",
                         f"{d['max_changed_share']:.2%}; {d['changed_in_story_without_new_file']}; {d['final_nmi']}; "
                         f"{d['new_precision']:.1%}", "<= 1%; 0; -; >= 90%"))  # fmt: skip
    return rows


def _first_run_rows(data: object) -> list[tuple[str, object, str]]:
    """The seeds' first run after `make install` against the second (bench/first_run.py)."""
    if not isinstance(data, dict) or "first" not in data:
        return []
    return [("seeds: first run after install / second run / first on a cold numba cache",
             f"{data['first']} s / {data['second']} s / {data['cold']} s", "first within 5 s of second")]


def _digest_table(data: object) -> list[str]:
    from digests import markdown_table  # bench/ is on sys.path when this file runs as a script

    return ["", *markdown_table(data)] if isinstance(_get(data, "results"), dict) else []


if __name__ == "__main__":
    sys.exit(main())
