"""The first run after ``make install``: does it wait for one-time work that a second run does not?

Three `topicsum run seeds` processes, each with its own empty topicsum cache
folder (so embeddings, fits and digests are computed every time; the report
formats are the defaults):

* ``cold``: numba's cache empty (``NUMBA_CACHE_DIR`` a new folder), as on a
  fresh clone where nothing has compiled BERTopic's UMAP/pynndescent kernels;
* ``first``: the same empty numba folder, after the step ``make install`` runs
  last (``python -c "import bertopic"``), i.e. the first run after install;
* ``second``: the run after that, everything warm.

Usage::

    python bench/first_run.py [--out bench/first_run.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    return round(time.perf_counter() - start, 1)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(ROOT / "bench" / "first_run.json"))
    args = ap.parse_args(argv)
    results: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}

        def run(name: str, numba: str) -> None:
            env = {**base, "NUMBA_CACHE_DIR": numba, "TOPICSUM_CACHE": tempfile.mkdtemp(dir=tmp)}
            out = Path(tmp) / name
            results[name] = timed([sys.executable, "-m", "topicsum", "run", "seeds", "--out", str(out), "--no-progress", "-q"], env)
            print(name, results[name], "s", flush=True)

        run("cold", tempfile.mkdtemp(dir=tmp))
        warm = tempfile.mkdtemp(dir=tmp)
        results["install_step"] = timed([sys.executable, "-c", "import bertopic"], {**base, "NUMBA_CACHE_DIR": warm})
        print("install_step", results["install_step"], "s", flush=True)
        run("first", warm)
        run("second", warm)
    results["first_minus_second"] = round(results["first"] - results["second"], 1)
    results["cold_minus_second"] = round(results["cold"] - results["second"], 1)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
