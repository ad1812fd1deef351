"""Segmentation (sentence windows, merging, offsets) and duplicate detection."""

from __future__ import annotations

import numpy as np
import pytest

from topicsum._config import SegmentConfig
from topicsum._segment import (
    duplicate_of_indices,
    minhash_signatures,
    normalise_ws,
    segment_id,
    segment_spans,
    sentence_spans,
)

SENTENCES = [
    "The central bank raised interest rates by half a point on Tuesday.",
    "It was the third increase this year, and Mr. Smith said more could follow.",
    "Markets fell sharply after the announcement, with bank shares hit hardest.",
    "Economists had expected a smaller rise of a quarter point.",
    "The currency strengthened against the dollar and the euro.",
    "Mortgage lenders said they would pass the increase on to borrowers within weeks.",
    "Consumer groups warned that families already struggling with bills would suffer.",
    "The government said it supported the bank's independence.",
]


def test_normalise_ws() -> None:
    assert normalise_ws(" a\n\n b\t c  ") == "a b c"


def test_sentence_spans_cover_each_sentence() -> None:
    text = "  " + " ".join(SENTENCES) + "\n"
    spans = sentence_spans(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == SENTENCES  # "Mr. Smith" is not a sentence end


def test_sentence_spans_on_a_giant_paragraph_stay_exact() -> None:
    text = " ".join(SENTENCES * 400)  # about 200 kB in one line: pre-cut before sentence splitting
    spans = sentence_spans(text, 0, len(text))
    assert len(spans) == len(SENTENCES) * 400
    assert all(text[a:b] in SENTENCES for a, b in spans)


def test_long_paragraph_split_into_sentence_windows() -> None:
    text = " ".join(SENTENCES)
    cfg = SegmentConfig(max_chars=300, max_sentences=3, min_chars=50)
    spans = segment_spans(text, [[(0, len(text))]], cfg)
    assert len(spans) > 1
    pieces = [text[a:b] for a, b in spans]
    assert " ".join(pieces) == text  # whole sentences, nothing lost
    for piece in pieces:
        assert len(piece) <= cfg.max_chars + cfg.min_chars
        assert piece.endswith(".")


def test_max_sentences_respected() -> None:
    text = " ".join(SENTENCES)
    spans = segment_spans(text, [[(0, len(text))]], SegmentConfig(max_chars=2000 - 1, max_sentences=2, min_chars=0))
    assert len(spans) == 1  # short enough to stay whole
    spans = segment_spans(text, [[(0, len(text))]], SegmentConfig(max_chars=200, max_sentences=2, min_chars=0))
    assert all(len(sentence_spans(text, a, b)) <= 2 for a, b in spans)


def test_short_fragments_merge_within_a_block_but_not_across_blocks() -> None:
    text = "Short one.\nAnother short line.\nA third paragraph that is a bit longer than the others here."
    p1, p2, p3 = (0, 10), (11, 30), (31, len(text))
    cfg = SegmentConfig(min_chars=40)
    merged = segment_spans(text, [[p1, p2, p3]], cfg)
    assert merged == [(0, len(text))]
    separate = segment_spans(text, [[p1], [p2, p3]], cfg)  # furniture between p1 and p2
    assert separate == [(0, 10), (11, len(text))]


def test_segment_id_is_stable_and_distinguishes_positions() -> None:
    assert segment_id("a.txt", 0, 10, "x") == segment_id("a.txt", 0, 10, "x")
    assert segment_id("a.txt", 0, 10, "x") != segment_id("a.txt", 1, 11, "x")
    assert segment_id("a.txt", 0, 10, "x") != segment_id("b.txt", 0, 10, "x")
    assert len(segment_id("a", 0, 1, "x")) == 16


def test_exact_duplicates_ignore_case_and_spacing() -> None:
    texts = ["Rates rise again.", "rates  rise\nagain.", "Something else entirely."]
    assert duplicate_of_indices(texts, near=False) == [None, 0, None]


def test_near_duplicates_point_to_the_first_copy() -> None:
    base = " ".join(SENTENCES)
    words = base.split()
    words[10] = "changed"
    near = " ".join(words)
    other = (
        "Heavy rain flooded several streets in the old town overnight and firefighters pumped water out of basements."
    )
    result = duplicate_of_indices([base, other, near, near.upper()], 0.8)
    assert result == [None, None, 0, 0]


def test_dissimilar_texts_are_not_duplicates() -> None:
    texts = [" ".join(SENTENCES[i : i + 2]) for i in range(0, len(SENTENCES), 2)]
    assert duplicate_of_indices(texts, 0.5) == [None] * len(texts)


@pytest.mark.parametrize("threshold", [0.5, 0.8, 1.0])
def test_duplicate_of_never_points_to_a_copy(threshold: float) -> None:
    base = " ".join(SENTENCES)
    texts = [base, base + " Extra words at the end.", base, base + " Extra words at the end!"]
    result = duplicate_of_indices(texts, threshold)
    for i, j in enumerate(result):
        assert j is None or (j < i and result[j] is None)


def test_minhash_signatures_estimate_jaccard() -> None:
    base = " ".join(SENTENCES)
    sigs = minhash_signatures([base, base, "completely different words in this one text here", "", "two words"])
    assert sigs.dtype == np.uint32 and sigs.shape == (5, 64)
    assert (sigs[0] == sigs[1]).all()
    assert (sigs[0] == sigs[2]).mean() < 0.3
    assert (sigs[3] == np.iinfo(np.uint32).max).all()
    assert not (sigs[4] == np.iinfo(np.uint32).max).all()
