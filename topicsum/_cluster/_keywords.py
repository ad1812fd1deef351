"""Story keywords: BERTopic's KeyBERTInspired idea, computed in one batch for hundreds of stories.

BERTopic's ``KeyBERTInspired`` reranks each topic's 30 best c-TF-IDF words by
the cosine between each word's embedding and the mean embedding of the
topic's representative documents.  :class:`StoryKeywords` does the same
(BERTopic chooses the representative documents; their vectors are the ones
topicsum already has), with three differences that matter once topics are
stories, hundreds of them:

* every candidate word is embedded in one call, in sorted order (BERTopic
  embeds ``list(set(...))``, whose order changes from process to process, so
  the vectors and the keyword weights changed in the fourth decimal run to run);
* the ranking is vectorised (no ``list.index`` per word);
* only the ``refine_max`` largest stories with more than one article are
  reranked; the others keep their c-TF-IDF words, which name a one-article story
  well enough and cost nothing.  (On 273 Multi-News stories the rerank through
  BERTopic took 170 s of a 250 s fit; ``MaximalMarginalRelevance`` on top of
  it chose 10 of 10 words, a no-op, and is dropped.)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["StoryKeywords", "top_ctfidf_words"]


def top_ctfidf_words(c_tf_idf: Any, vocab: Sequence[str], n: int) -> list[list[tuple[str, float]]]:
    """The ``n`` best words of every row of a c-TF-IDF matrix (positive weights only), best first.

    Examples
    --------
    >>> from scipy.sparse import csr_matrix
    >>> top_ctfidf_words(csr_matrix([[0.1, 0.5, 0.0], [0.0, 0.2, 0.3]]), ["a", "b", "c"], 2)
    [[('b', 0.5), ('a', 0.1)], [('c', 0.3), ('b', 0.2)]]
    """
    rows = []
    matrix = c_tf_idf.tocsr()
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        cols, vals = matrix.indices[start:end], matrix.data[start:end]
        keep = vals > 0
        cols, vals = cols[keep], vals[keep]
        order = np.lexsort((cols, -vals))[:n]  # weight, then vocabulary order: deterministic ties
        rows.append([(str(vocab[cols[i]]), float(vals[i])) for i in order])
    return rows


class StoryKeywords:
    """A BERTopic representation model: KeyBERT-style reranking of c-TF-IDF candidates, batched.

    Parameters
    ----------
    encode : callable
        ``encode(list_of_str) -> (n, d)`` unit vectors (the words are embedded
        with it, in one call).
    doc_vectors : mapping of str to numpy.ndarray
        The vector of every fitted document (segment) text.
    articles : sequence of str
        The article of every fitted document; a topic with one article is not reranked.
    texts : sequence of str, optional
        The fitted documents' texts (aligned with ``articles``): a document is
        matched to its article by its text, so calls that pass other rows
        (``update_topics``, ``topics_over_time``, ``topics_per_class``, merging)
        work too; a text that is not a fitted document is an article of its own.
    top_n_words, nr_candidate_words, nr_repr_docs, nr_samples : int
        As in BERTopic's ``KeyBERTInspired``.
    refine_max : int
        Rerank at most this many topics (the largest).
    """

    def __init__(
        self,
        *,
        encode: Callable[[list[str]], np.ndarray],
        doc_vectors: Mapping[str, np.ndarray],
        articles: Sequence[str],
        texts: Sequence[str] = (),
        top_n_words: int = 10,
        nr_candidate_words: int = 30,
        nr_repr_docs: int = 5,
        nr_samples: int = 500,
        refine_max: int = 300,
    ) -> None:
        self.encode = encode
        self.doc_vectors = doc_vectors
        self.articles = list(articles)
        self.texts = list(texts)
        self.article_of = dict(zip(self.texts, self.articles))
        self.top_n_words = top_n_words
        self.nr_candidate_words = nr_candidate_words
        self.nr_repr_docs = nr_repr_docs
        self.nr_samples = nr_samples
        self.refine_max = refine_max

    def _article(self, text: str, i: Any, k: int) -> str:
        """The article of a document row: by its fitted position ``i`` when the text there is the same, else by
        its text; a text that was never fitted is an article of its own."""
        if i is not None and 0 <= int(i) < len(self.texts) and self.texts[int(i)] == text:
            return self.articles[int(i)]
        return self.article_of.get(text, f"\0row{k}")

    def extract_topics(
        self, topic_model: Any, documents: Any, c_tf_idf: Any, topics: Mapping[int, list[tuple[str, float]]]
    ) -> dict[int, list[tuple[str, float]]]:
        """Keywords of every topic: reranked for the largest multi-article stories, c-TF-IDF for the rest."""
        labels = sorted(int(t) for t in topics)
        vocab = topic_model.vectorizer_model.get_feature_names_out()
        candidates = dict(zip(labels, top_ctfidf_words(c_tf_idf, vocab, self.nr_candidate_words)))
        sizes = {t: int((documents["Topic"] == t).sum()) for t in labels}
        ids = documents["ID"] if "ID" in documents else None
        rows = zip(documents["Topic"], documents["Document"], ids if ids is not None else range(len(documents)))
        per_topic: dict[int, set[str]] = {}
        for k, (t, doc, i) in enumerate(rows):
            per_topic.setdefault(int(t), set()).add(self._article(doc, i if ids is not None else None, k))
        n_articles = {t: len(arts) for t, arts in per_topic.items()}
        refine = [t for t in labels if t != -1 and n_articles.get(t, 1) > 1]
        refine = sorted(sorted(refine, key=lambda t: (-sizes[t], t))[: self.refine_max])
        out = {t: candidates[t][: self.top_n_words] for t in labels}
        if not refine:
            return out
        _, repr_docs, repr_idx, _ = topic_model._extract_representative_docs(
            c_tf_idf, documents, topics, self.nr_samples, self.nr_repr_docs
        )
        words = sorted({w for t in refine for w, _ in candidates[t]})
        word_vecs = np.asarray(self.encode(words), dtype=np.float32)
        row_of = {w: i for i, w in enumerate(words)}
        unknown = sorted({d for d in repr_docs if d not in self.doc_vectors})
        vectors = dict(zip(unknown, np.asarray(self.encode(unknown), dtype=np.float32))) if unknown else {}
        for t in refine:
            idx = repr_idx[labels.index(t)]
            centre = np.mean([self.doc_vectors.get(repr_docs[i], vectors.get(repr_docs[i])) for i in idx], axis=0)
            centre = centre / max(float(np.linalg.norm(centre)), 1e-12)
            cand = [w for w, _ in candidates[t]]
            sims = word_vecs[[row_of[w] for w in cand]] @ centre
            best = np.lexsort((np.arange(len(cand)), -sims))[: self.top_n_words]
            out[t] = [(cand[i], float(sims[i])) for i in best]
        return out
