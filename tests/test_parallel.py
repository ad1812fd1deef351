"""The executor path without a cluster: partitions give exactly what the serial path gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from topicsum import load_corpus as _load_corpus
from topicsum import segment_corpus
from topicsum._context import RunContext
from topicsum._errors import SkippedInputWarning
from topicsum._parallel import SerialExecutor, partitions


class Partitioned(SerialExecutor):
    """Runs here, but takes the path a cluster's executor takes: work in partitions."""

    remote = True


def load_corpus(*args, executor=None, **kwargs):
    """Ingest and segment, on ``executor`` when given."""
    context = RunContext(executor=executor) if executor is not None else None
    return segment_corpus(_load_corpus(*args, context=context, **kwargs), None, context)

FURNITURE = "Share this article\nAdvertisement\n"


def _corpus(folder: Path) -> list[Path]:
    """Twelve pages whose furniture lines repeat across pages (and so across partitions), one copy, one binary."""
    folder.mkdir()
    for i in range(12):
        body = "\n\n".join(
            f"Paragraph {j} of story {i}: the council of town {i} voted on budget item {j} after a long debate."
            for j in range(3)
        )
        (folder / f"page{i:02d}.txt").write_text(f"Story {i} headline\n{FURNITURE}\n{body}\n\nRead more\n", "utf-8")
    (folder / "page99.txt").write_text((folder / "page03.txt").read_text("utf-8"), "utf-8")  # the same text again
    (folder / "blob.txt").write_bytes(b"\x00\x01binary" * 50)
    return [folder, folder / "page05.txt"]  # a file named twice


def test_ingest_in_partitions_gives_the_serial_corpus(tmp_path: Path) -> None:
    inputs = _corpus(tmp_path / "pages")
    with pytest.warns(SkippedInputWarning):
        serial = load_corpus(inputs)
    with pytest.warns(SkippedInputWarning):
        parallel = load_corpus(inputs, executor=Partitioned())
    assert len(partitions(parallel.documents, SerialExecutor())) > 1  # really split
    assert parallel.segments == serial.segments
    assert parallel.articles == serial.articles
    assert (parallel.inputs, parallel.skipped, parallel.documents) == (serial.inputs, serial.skipped, serial.documents)
    assert not any("Share this article" in s.text for s in parallel.segments)  # learned across partitions
    assert any(s.duplicate_of for s in parallel.segments)  # the copied page


def test_texts_and_tables_too(tmp_path: Path) -> None:
    import pandas as pd

    texts = [f"Headline {i}\n{FURNITURE}The mayor of town {i} opened a new bridge on Monday morning." for i in range(9)]
    assert load_corpus(texts=texts, executor=Partitioned()).segments == load_corpus(texts=texts).segments
    frame = pd.DataFrame({"text": texts, "title": [f"T{i}" for i in range(9)]})
    assert load_corpus(frame, executor=Partitioned()).articles == load_corpus(frame).articles


def test_the_cleaner_learns_the_same_repeated_lines_from_partitions() -> None:
    from topicsum._ingest import Cleaner
    from topicsum._ingest._partitions import clean_documents
    from topicsum._types import Document

    def page(i: int) -> str:
        paras = [f"Paragraph {j}: the council {i} voted on item {j} after a long debate in the hall." for j in range(4)]
        return f"Story {i}\n\n{paras[0]}\n\nTown Hall Gazette weekly edition\n\n" + "\n\n".join(paras[1:])

    # one page twice: a repeated text counts once, as in Cleaner.fit
    docs = [Document(f"d{i}", f"s{i}", page(i)) for i in range(6)] + [Document("d9", "s9", page(0))]
    cleaner = Cleaner(repeated_line_min_docs=3)
    clean_documents(docs, cleaner, RunContext(executor=Partitioned()))
    expected = Cleaner(repeated_line_min_docs=3).fit(docs).repeated_lines_
    assert cleaner.repeated_lines_ == expected and "town hall gazette weekly edition" in expected
    only_copies = [docs[0], docs[6], docs[1]]  # the line is in 3 documents but only 2 distinct texts
    cleaner = Cleaner(repeated_line_min_docs=3)
    clean_documents(only_copies, cleaner, RunContext(executor=Partitioned()))
    assert cleaner.repeated_lines_ == Cleaner(repeated_line_min_docs=3).fit(only_copies).repeated_lines_ == frozenset()
