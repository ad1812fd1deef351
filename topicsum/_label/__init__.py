"""Label stage: the stories and groups the cluster stage found, described for a reader.

:func:`label_stories` is the stage: from the fitted
:class:`~topicsum.ThemeModel` and the segments it was fitted on it makes one
:class:`~topicsum.Theme` per story (its readable name, keywords, size,
articles, outlets and representative segments) and one
:class:`~topicsum._types.Group` per group, and gives BERTopic the story names
as its custom topic labels.  :mod:`._names` writes the names.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .._config import LabelConfig
from .._types import Group, Theme
from ._names import keyword_label, readable_label
from ._titles import LONG_TITLE_WORDS, MAX_TITLE_WORDS, balanced_quotes, condense_title, strip_outlet

if TYPE_CHECKING:  # pragma: no cover
    from .._cluster import ThemeModel
    from .._context import RunContext
    from .._tables import FitSegments

__all__ = ["describe_groups", "describe_themes", "keyword_label", "label_stories", "readable_label"]

logger = logging.getLogger(__name__)

#: Texts of a story read to find how its keywords are written (the first ones, in fit order).
LABEL_SAMPLE = 200
#: Articles tried, most central first, for a lead that can name a story without headlines.
LEAD_ARTICLES = 5
#: A name from a headline or lead holds at least this many words ("Abstract", "CAIRO" are not names).
MIN_NAME_WORDS = 3
#: Sentences of an article's first segment tried for its lead.
LEAD_SENTENCES = 3


def label_stories(
    model: ThemeModel,
    units: FitSegments,
    config: LabelConfig | None = None,
    context: RunContext | None = None,
    *,
    known: Mapping[int, str] | None = None,
) -> tuple[list[Theme], list[Group]]:
    """The label stage: the stories and groups of a fitted ``model``, named and described.

    Parameters
    ----------
    model : ThemeModel
        Fitted on ``units`` (the same segments, in the same order).
    units : FitSegments
        The segments the model was fitted on: ids, texts, articles, outlets, headlines.
    config : LabelConfig, optional
    context : RunContext, optional
        Its embedder picks each story's name among the candidates (the one
        closest to the story's centre); without it, the most central article's.
    known : mapping of int to str, optional
        Names kept from an earlier run (story number -> name): those stories
        are not named again.

    Returns
    -------
    themes : list of Theme
        In id order (0 = largest), the outlier group (-1), if any, last.
    groups : list of Group
        Empty when the run has too few stories for groups.
    """
    config = config or LabelConfig()
    topics = np.asarray(model.topics_)
    labels = _story_labels(model, topics, units, known or {}, context)
    group_labels, group_keywords = _group_descriptions(model, units)
    themes = describe_themes(model, units, labels, group_labels, config)
    groups = describe_groups(model, themes, group_labels, group_keywords)
    bertopic = getattr(model, "bertopic_", None)
    if bertopic is not None:  # BERTopic's own API (get_topic_info()["CustomName"]) shows the same names
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            bertopic.set_topic_labels({t.topic_id: t.label for t in themes})
    return themes, groups


def _story_labels(
    model: ThemeModel, topics: np.ndarray, units: FitSegments, known: Mapping[int, str], context: RunContext | None
) -> dict[int, str]:
    encode = context.embedder.encode if context is not None and context.embedder is not None else None
    centres = _unit_centres(model) if encode is not None else None
    labels: dict[int, str] = {}
    for t in sorted(set(topics.tolist())):
        if t == -1:
            labels[t] = "Outliers"
            continue
        if t in known:
            labels[t] = known[t]
            continue
        members = np.flatnonzero(topics == t)
        labels[t] = story_title(model, t, members, units, encode, centres)
        if not labels[t]:  # no headline and no lead that stands alone: the keywords, as written in the story
            keywords = model.keywords_.get(t, [])
            sample = [units.texts[i] for i in members[:LABEL_SAMPLE]]
            labels[t] = readable_label(keywords, sample, headlines=[units.headlines[i] for i in members])
    return labels


def story_title(
    model: ThemeModel,
    topic: int,
    members: np.ndarray,
    units: FitSegments,
    encode: Callable[[list[str]], Any] | None = None,
    centres: tuple[list[int], np.ndarray] | None = None,
) -> str:
    """The name of one story (:mod:`._titles`): a headline, else a lead, condensed; "" when it has neither.

    The candidates are the condensed headlines of the story's
    :data:`LEAD_ARTICLES` most central articles, without furniture (bylines,
    captions, datelines), of :data:`MIN_NAME_WORDS` to
    :data:`~._titles.LONG_TITLE_WORDS` words; when none tells the story from
    the others, their condensed leads join them (the sentences among the
    first :data:`LEAD_SENTENCES` that can stand alone), each cut twice: within
    :data:`~._titles.MAX_TITLE_WORDS` and within
    :data:`~._titles.LONG_TITLE_WORDS`.  With ``encode`` the name is the
    candidate that tells the story from the others best (closest to its
    centre, farthest from the nearest other story's), a short one unless
    none tells it from the others and a longer one does; without ``encode``,
    the one that holds most of the story's keywords.  A candidate with a
    quotation opened and not closed is left out.
    """
    X = np.asarray(model.embeddings_, dtype=np.float32)
    centre = model.topic_embeddings_.get(topic)
    centre = X[members].mean(axis=0) if centre is None else np.asarray(centre, dtype=np.float32)
    centre = centre / (np.linalg.norm(centre) or 1.0)
    by_article: dict[str, list[int]] = {}
    for i in members.tolist():
        by_article.setdefault(units.article_ids[i], []).append(i)

    def closeness(rows: list[int]) -> float:
        v = X[rows].mean(axis=0)
        return float(v @ centre / (np.linalg.norm(v) or 1.0))

    ranked = sorted(by_article, key=lambda a: (-closeness(by_article[a]), a))
    outlets = sorted({units.outlets[i] for i in members.tolist() if units.outlets[i]})
    first_headline = {a: next((units.headlines[i] for i in by_article[a] if units.headlines[i]), "") for a in ranked}
    headlines = [_usable(strip_outlet(first_headline[a], outlets)) for a in ranked[:LEAD_ARTICLES]]
    candidates = [condense_title(h) for h in headlines if h]
    candidates = [c for c in dict.fromkeys(candidates) if MIN_NAME_WORDS <= len(c.split()) <= LONG_TITLE_WORDS]
    if candidates:
        best, score = _most_telling(candidates, topic, centre, encode, centres, model.keywords_.get(topic, []))
        if score is None or score > 0:  # a headline that tells the story from the others
            return best
    # no headline, or none nearer its own story than another: the leads join the candidates
    leads = [t for a in ranked[:LEAD_ARTICLES] for t in _leads(min(by_article[a], key=lambda i: (units.starts[i], i)), units)]
    # each lead condensed twice: within MAX_TITLE_WORDS and, cut later, within LONG_TITLE_WORDS
    candidates += [c for t in leads for c in (condense_title(t), condense_title(t, LONG_TITLE_WORDS))]
    candidates = [c for c in dict.fromkeys(candidates)
                  if MIN_NAME_WORDS <= len(c.split()) <= LONG_TITLE_WORDS and balanced_quotes(c)]  # fmt: skip
    if not candidates:  # no headline and no lead that stands alone: the keywords name it
        return ""
    short = [c for c in candidates if len(c.split()) <= MAX_TITLE_WORDS]
    if encode is None:
        return _most_telling(short or candidates, topic, centre, None, centres, model.keywords_.get(topic, []))[0]
    margin = dict(zip(candidates, _margins(candidates, topic, centre, encode, centres).tolist()))
    best = max(short or candidates, key=margin.__getitem__)
    longer = max(candidates, key=margin.__getitem__)
    # no short name tells the story from the others: a longer one that does is worth its words
    return longer if margin[best] <= 0 < margin[longer] else best


def _most_telling(
    candidates: list[str],
    topic: int,
    centre: np.ndarray,
    encode: Callable[[list[str]], Any] | None,
    centres: tuple[list[int], np.ndarray] | None,
    keywords: Sequence[tuple[str, float]] = (),
) -> tuple[str, float | None]:
    """The candidate that tells the story from the others best, and by how much (``None`` without ``encode``).

    The margin is its similarity to the story's centre minus its similarity
    to the nearest other story's centre: above 0, a reader given the name
    would pick this story.  Without ``encode``, the candidate that holds the
    most of the story's keyword weight (ties: the first).
    """
    if encode is None:
        def weight(c: str) -> float:
            words = set(re.findall(r"[\w'-]+", c.lower()))
            return sum(w for k, w in keywords if set(k.split()) <= words)

        return max(candidates, key=weight), None
    margin = _margins(candidates, topic, centre, encode, centres)
    k = int(np.argmax(margin))
    return candidates[k], float(margin[k])


def _margins(
    candidates: list[str],
    topic: int,
    centre: np.ndarray,
    encode: Callable[[list[str]], Any],
    centres: tuple[list[int], np.ndarray] | None,
) -> np.ndarray:
    """Each candidate's similarity to the story's centre minus its similarity to the nearest other story's."""
    E = np.asarray(encode(candidates), dtype=np.float32)
    E /= np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
    own = E @ centre
    ids, C = centres if centres is not None else ([], np.zeros((0, len(centre)), dtype=np.float32))
    others = C[[i for i, t in enumerate(ids) if t != topic]] if ids else C
    return own - (E @ others.T).max(axis=1) if len(others) else own


def _unit_centres(model: ThemeModel) -> tuple[list[int], np.ndarray]:
    """The model's story ids (outliers excluded) and their unit centres as rows, computed once per labelling."""
    ids = sorted(t for t in model.topic_embeddings_ if t != -1)
    if not ids:
        return [], np.zeros((0, 0), dtype=np.float32)
    C = np.stack([np.asarray(model.topic_embeddings_[t], dtype=np.float32) for t in ids])
    return ids, C / np.maximum(np.linalg.norm(C, axis=1, keepdims=True), 1e-12)


def _usable(headline: str) -> str:
    """A headline without its dateline, or "" when it is page furniture (a byline, a caption, a prompt)."""
    from .._summarise import JUNK, standalone

    if not headline.strip():
        return ""
    ok, repaired, reason = standalone(headline, attach_speakers=False)
    if reason in JUNK:
        return ""
    return repaired if ok and repaired else headline


def _leads(row: int, units: FitSegments) -> list[str]:
    """The sentences among the first :data:`LEAD_SENTENCES` of an article's first segment that can stand alone.

    Datelines are removed; a sentence that opens with a pronoun, a caption or
    a byline is not a lead.  Every one is a candidate: the first is often too
    long to condense without cutting a phrase, the second says the same shorter.
    """
    from .._summarise import split_sentences, standalone

    leads = []
    for sentence in split_sentences(units.texts[row])[:LEAD_SENTENCES]:
        ok, repaired, _ = standalone(sentence, attach_speakers=False)
        if ok:
            leads.append(repaired or sentence)
    return leads


def describe_themes(
    model: ThemeModel,
    units: FitSegments,
    labels: dict[int, str],
    group_labels: dict[int, str] | None = None,
    config: LabelConfig | None = None,
) -> list[Theme]:
    """One :class:`~topicsum._types.Theme` per theme of a fitted ``model`` (``units``: what it was fitted on).

    Representative segments are those closest to the theme centre.

    Examples
    --------
    >>> from topicsum._cluster import ThemeModel
    >>> from topicsum._config import EmbedConfig
    >>> from topicsum._embed import get_embedder
    >>> from topicsum._tables import FitSegments
    >>> emb = get_embedder(EmbedConfig())
    >>> texts = ["Stocks fell sharply.", "Shares slid again.", "The striker scored.", "The team won the cup."]
    >>> model = ThemeModel(n_topics=2).fit(texts, emb.encode(texts), embedder=emb)
    >>> units = FitSegments.of(["s1", "s2", "s3", "s4"], texts, ["a1", "a1", "a2", "a2"], ["BBC", "BBC", "ITV", "ITV"])
    >>> [(t.topic_id, t.size) for t in describe_themes(model, units, {0: "Markets", 1: "Football"})]
    [(0, 2), (1, 2)]
    """
    config = config or LabelConfig()
    topics = np.asarray(model.topics_)
    n = len(topics)
    units.check_length(n)
    X = np.asarray(model.embeddings_, dtype=np.float32)
    ids = sorted(t for t in set(topics.tolist()) if t != -1) + ([-1] if (topics == -1).any() else [])
    group_labels = group_labels or {}
    themes: list[Theme] = []
    for t in ids:
        members = np.flatnonzero(topics == t)
        centre = model.topic_embeddings_.get(t)
        if centre is None:
            centre = X[members].mean(axis=0)
        sims = X[members] @ np.asarray(centre, dtype=np.float32)
        order = members[np.lexsort((members, -sims))]  # most central first; ties by position
        kws = tuple((w, round(float(s), 4)) for w, s in model.keywords_.get(t, []))
        group = model.groups_.get(int(t))
        dates = sorted({units.dates[i] for i in members if units.dates[i]}) if units.dates else []
        themes.append(
            Theme(
                topic_id=int(t),
                label=labels.get(t) or readable_label(kws, [units.texts[i] for i in members[:LABEL_SAMPLE]]),
                keywords=kws,
                size=int(len(members)),
                segment_ids=tuple(units.ids[i] for i in members),
                article_ids=tuple(dict.fromkeys(units.article_ids[i] for i in members)),
                representative_segment_ids=tuple(units.ids[i] for i in order[: config.representatives]),
                outlets=tuple(sorted({units.outlets[i] for i in members if units.outlets[i]})),
                share=round(len(members) / n, 4) if n else 0.0,
                keyword_label=keyword_label(kws),
                group=group,
                group_label=group_labels.get(group, "") if group is not None else "",
                first_date=dates[0] if dates else "",
                last_date=dates[-1] if dates else "",
            )
        )
    return themes


def _group_keywords(model: ThemeModel, units: FitSegments) -> dict[int, list[tuple[str, float]]]:
    """Keywords of every group of stories: c-TF-IDF over the groups' texts.

    Uses the fitted model's own vectorizer and BERTopic's ``ClassTfidfTransformer``,
    so a group's keywords are weighed against the other groups as a story's are
    against the other stories.
    """
    ids = sorted(set(model.groups_.values()))
    if not ids:
        return {}
    from bertopic.vectorizers import ClassTfidfTransformer

    topics = np.asarray(model.topics_)
    group_of = np.array([model.groups_.get(int(t), -1) for t in topics.tolist()])
    docs = [" ".join(units.texts[i] for i in np.flatnonzero(group_of == g)) for g in ids]
    bertopic = model.bertopic_
    counts = bertopic.vectorizer_model.transform(docs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        weights = ClassTfidfTransformer().fit_transform(counts).toarray()
    vocab = bertopic.vectorizer_model.get_feature_names_out()
    n_words = int(getattr(bertopic, "top_n_words", 10) or 10)
    out: dict[int, list[tuple[str, float]]] = {}
    for row, g in enumerate(ids):
        top = np.argsort(-weights[row], kind="stable")[:n_words]
        out[g] = [(str(vocab[j]), round(float(weights[row, j]), 4)) for j in top if weights[row, j] > 0]
    return out


def _group_descriptions(
    model: ThemeModel, units: FitSegments
) -> tuple[dict[int, str], dict[int, list[tuple[str, float]]]]:
    """The readable label and the keywords of every group of stories."""
    keywords = _group_keywords(model, units)
    topics = np.asarray(model.topics_)
    group_of = np.array([model.groups_.get(int(t), -1) for t in topics.tolist()])
    labels = {}
    for g, kw in keywords.items():
        members = np.flatnonzero(group_of == g)
        labels[g] = readable_label(
            kw, [units.texts[i] for i in members[:LABEL_SAMPLE]], headlines=[units.headlines[i] for i in members]
        )
    return labels, keywords


def describe_groups(
    model: ThemeModel,
    themes: Sequence[Theme],
    labels: dict[int, str],
    keywords: dict[int, list[tuple[str, float]]],
) -> list[Group]:
    """One :class:`~topicsum._types.Group` per group of stories of a fitted ``model`` (none on small corpora).

    Groups come in id order (0 = most segments); each lists its stories largest first.
    """
    out = []
    for g in sorted(set(model.groups_.values())):
        members = sorted((t for t in themes if t.group == g), key=lambda t: (-t.size, t.topic_id))
        out.append(
            Group(
                group_id=g,
                label=labels.get(g, f"group {g}"),
                topic_ids=tuple(t.topic_id for t in members),
                size=sum(t.size for t in members),
                keywords=tuple((w, round(float(s), 4)) for w, s in keywords.get(g, [])),
            )
        )
    return out
