"""The report's matplotlib figures.

Every function builds a :class:`matplotlib.figure.Figure` on the house
canvas (:mod:`._canvas`), never through ``pyplot``, so drawing a report
leaves no global figure state behind and works on any backend.  Colours come from :func:`topic_colours`, so a
theme has the same colour in every figure and in the HTML text; long labels
are shortened with an ellipsis.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING

import numpy as np

from .._errors import StageSkippedError
from ._canvas import (
    GRID,
    INK,
    LABEL_CHARS,
    MUTED,
    message_figure,
    new_figure,
    style,
    topics_table,
)
from ._common import (
    OUTLIER_COLOUR,
    short_label,
    theme_centroids,
    theme_ids,
    theme_label,
    topic_colours,
    unique_mask,
)
from ._timeline import plot_over_time, plot_timeline

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

    from .._types import RunData

__all__ = [
    "FIGURES",
    "FIGURE_CAPTIONS",
    "PLOTS",
    "figures_of",
    "make_figures",
    "plot_hierarchy",
    "plot_keywords",
    "plot_outlets",
    "plot_over_time",
    "plot_similarity",
    "plot_topic_map",
    "plot_timeline",
    "plot_topic_sizes",
]

logger = logging.getLogger(__name__)

#: Figures show at most this many themes (the largest); a sizes chart sums the rest in one bar.
FIGURE_THEMES = 25
#: The map labels at most this many themes (the largest); the others are dots.
MAP_LABELS = 12
#: A pile of at most this many stories gets the outlets figure instead of the map (a few far-apart dots).
SMALL_PILE = 12
#: The outlets figure shows at most this many outlets (those with the most articles).
OUTLET_COLUMNS = 12


# -- sizes --------------------------------------------------------------------
def plot_topic_sizes(result: RunData) -> Figure:
    """Horizontal bar chart of theme sizes (segments), largest first, outliers last in grey.

    Examples
    --------
    >>> fig = plot_topic_sizes(result)
    >>> fig.savefig("sizes.png")
    """
    with style():
        colours = topic_colours(result)
        topics = topics_table(result)
        order = theme_ids(result)
        if (topics["topic"] < 0).any():
            order.append(-1)
        if not order:
            return message_figure("No themes were found.")
        by_id = {int(r.topic): r for r in topics.itertuples(index=False)}
        total = float(sum(int(r.size) for r in by_id.values())) or 1.0
        rest = [t for t in order if t >= 0][FIGURE_THEMES:]
        order = [t for t in order if t not in set(rest)]
        sizes = [int(by_id[t].size) for t in order]
        shares = [float(getattr(by_id[t], "share", 0.0) or s / total) for t, s in zip(order, sizes)]
        labels = [short_label(theme_label(result, t), LABEL_CHARS) for t in order]
        bar_colours = [colours.get(t, OUTLIER_COLOUR) for t in order]
        if rest:  # the smaller themes in one bar, before the outliers
            at = len(order) - (1 if order and order[-1] < 0 else 0)
            rest_size = sum(int(by_id[t].size) for t in rest)
            sizes.insert(at, rest_size)
            shares.insert(at, rest_size / total)
            labels.insert(at, f"{len(rest)} smaller themes")
            bar_colours.insert(at, GRID)
        fig = new_figure(7.0, 0.9 + 0.32 * len(sizes))
        ax = fig.add_subplot()
        y = np.arange(len(sizes))
        ax.barh(y, sizes, color=bar_colours, height=0.7)
        ax.set_yticks(y, labels)
        ax.invert_yaxis()
        ax.set_xlabel("segments")
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        top = max(sizes) or 1
        for yi, size, share in zip(y, sizes, shares):
            ax.text(size + top * 0.01, yi, f"{size}  ({share:.0%})", va="center", fontsize=8, color=MUTED)
        ax.set_xlim(0, top * 1.18)
        ax.tick_params(axis="y", length=0)
        return fig


# -- keywords -----------------------------------------------------------------
def plot_keywords(result: RunData, topics: Sequence[int] | None = None, *, n_words: int = 8) -> Figure:
    """Keyword weights per theme: one small bar chart per theme, in the theme's colour.

    Parameters
    ----------
    result : Result
    topics : sequence of int, optional
        Theme ids to draw (default: the 12 largest themes).
    n_words : int
        Keywords per theme.

    Examples
    --------
    >>> len(plot_keywords(result, topics=[0, 1]).axes)
    2
    """
    with style():
        colours = topic_colours(result)
        table = topics_table(result)
        ids = list(topics) if topics is not None else theme_ids(result)[:12]
        kw_of = {int(r.topic): list(r.keywords or []) for r in table.itertuples(index=False)}
        ids = [int(t) for t in ids if kw_of.get(int(t))]
        if not ids:
            return message_figure("No theme keywords to show.")
        ncols = min(3, len(ids))
        nrows = math.ceil(len(ids) / ncols)
        fig = new_figure(2.6 * ncols + 0.6, 0.55 + 2.0 * nrows)
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for k, ax in enumerate(axes.flat):
            if k >= len(ids):
                ax.set_axis_off()
                continue
            tid = ids[k]
            pairs = [(str(w), float(s)) for w, s in kw_of[tid][:n_words]]
            words = [short_label(w, 22) for w, _ in pairs]
            weights = [s for _, s in pairs]
            y = np.arange(len(pairs))
            ax.barh(y, weights, color=colours.get(tid, OUTLIER_COLOUR), height=0.7)
            ax.set_yticks(y, words, fontsize=8)
            ax.invert_yaxis()
            ax.set_title(short_label(theme_label(result, tid), 30), loc="left", color=colours.get(tid, INK), fontsize=9)
            ax.tick_params(axis="x", labelsize=7)
            ax.tick_params(axis="y", length=0)
            ax.grid(axis="x", color=GRID, linewidth=0.6)
            ax.set_axisbelow(True)
        return fig


# -- 2-D map ------------------------------------------------------------------
def _map_coords(result: RunData) -> tuple[np.ndarray, str] | None:
    """The 2-D coordinates of the segments: the run's own map, else a PCA of the embeddings."""
    n = len(result.segments)
    coords = result.coords_2d
    if coords is not None:
        arr = np.asarray(coords, dtype=np.float64)
        if arr.ndim == 2 and arr.shape == (n, 2) and np.isfinite(arr).all(axis=1).any():
            return arr, "2-D projection of the segment embeddings"
    emb = result.embeddings
    if emb is not None:
        arr = np.asarray(emb, dtype=np.float64)
        if arr.ndim == 2 and arr.shape[0] == n and n >= 2:
            ok = np.isfinite(arr).all(axis=1)
            centred = arr - arr[ok].mean(axis=0)
            centred[~ok] = 0.0
            _, _, vt = np.linalg.svd(centred[ok], full_matrices=False)
            out = centred @ vt[:2].T
            if out.shape[1] < 2:
                out = np.hstack([out, np.zeros((n, 2 - out.shape[1]))])
            out[~ok] = np.nan
            return out, "first two principal components of the segment embeddings"
    return None


def plot_topic_map(result: RunData) -> Figure:
    """2-D map of the segments coloured by theme, the largest themes labelled at their centroid.

    Uses ``result.coords_2d``; without it, the first two principal components
    of ``result.embeddings``.

    Raises
    ------
    StageSkippedError
        The result has neither 2-D coordinates nor embeddings.

    Examples
    --------
    >>> fig = plot_topic_map(result)
    """
    found = _map_coords(result)
    if found is None:
        raise StageSkippedError(
            "This result has no 2-D coordinates or embeddings to map; run topicsum.run() again to get them."
        )
    coords, how = found
    with style():
        import matplotlib.patheffects as pe

        colours = topic_colours(result)
        segs = result.segments
        topics = segs["topic"].to_numpy(dtype=np.int64)
        ok = np.isfinite(coords).all(axis=1) & unique_mask(segs)
        fig = new_figure(7.0, 5.2)
        ax = fig.add_subplot()
        n_ok = int(ok.sum())
        many = n_ok > 800  # many points: raster dots inside the SVG keep the file small
        size = 5 if many else (14 if n_ok > 500 else 30)
        out_mask = ok & (topics < 0)
        if out_mask.any():
            ax.scatter(*coords[out_mask].T, s=size * 0.6, c=OUTLIER_COLOUR, alpha=0.5, linewidths=0, rasterized=many)
        order = theme_ids(result)
        # one collection for every theme's points (one per theme costs seconds at thousands of stories),
        # drawn theme by theme in the report's order as before
        rank = {tid: k for k, tid in enumerate(order)}
        points = np.flatnonzero(ok & np.isin(topics, order))
        points = points[np.argsort([rank[int(t)] for t in topics[points]], kind="stable")]
        if len(points):
            ax.scatter(*coords[points].T, s=size, c=[colours.get(int(t), OUTLIER_COLOUR) for t in topics[points]],
                       alpha=0.75, linewidths=0, rasterized=many)  # fmt: skip
        if ok.any():
            lo, hi = np.nanmin(coords[ok], axis=0), np.nanmax(coords[ok], axis=0)
            span = np.where(hi - lo > 0, hi - lo, 1.0)
            ax.set_xlim(lo[0] - 0.08 * span[0], hi[0] + 0.08 * span[0])
            ax.set_ylim(lo[1] - 0.05 * span[1], hi[1] + 0.14 * span[1])
        # Each label sits just above its theme's points; labels that would collide are nudged up.
        placed: list[tuple[float, float]] = []
        for tid in order[:MAP_LABELS]:
            mask = ok & (topics == tid)
            if not mask.any():
                continue
            pts = coords[mask]
            cx = float(np.median(pts[:, 0]))
            top = float(np.quantile(pts[:, 1], 0.9))
            fx, fy = (cx - lo[0]) / span[0], (top - lo[1]) / span[1] + 0.03
            while any(abs(fx - px) < 0.3 and abs(fy - py) < 0.045 for px, py in placed):
                fy += 0.045
            placed.append((fx, fy))
            ax.text(
                cx,
                lo[1] + fy * span[1],
                short_label(theme_label(result, tid), 34),
                ha="center",
                va="bottom",
                fontsize=8,
                fontweight="bold",
                color=colours.get(tid, INK),
                path_effects=[pe.withStroke(linewidth=3, foreground="white")],
                clip_on=False,
            )
        ax.set_xticks([])
        ax.set_yticks([])
        for side in ("left", "bottom"):
            ax.spines[side].set_visible(False)
        ax.set_title(how, loc="left", fontsize=8, fontweight="normal", color=MUTED)
        return fig


# -- similarity -----------------------------------------------------------------
@contextmanager
def _centroid_figure(result: RunData, what: str) -> Iterator[tuple[list[int], np.ndarray, dict[int, str]]]:
    """The ids, centres and colours of the :data:`FIGURE_THEMES` largest themes, inside the house style."""
    found = theme_centroids(result)
    if found is None:
        raise StageSkippedError(f"The {what} needs segment embeddings and at least one theme; this result has none.")
    ids, cents = found
    with style():
        yield ids[:FIGURE_THEMES], cents[:FIGURE_THEMES], topic_colours(result)


def plot_similarity(result: RunData) -> Figure:
    """Heatmap of cosine similarity between the mean embeddings of the largest themes (at most 25).

    Raises
    ------
    StageSkippedError
        The result has no embeddings or no themes.

    Examples
    --------
    >>> fig = plot_similarity(result)
    """
    with _centroid_figure(result, "similarity heatmap") as (ids, cents, colours):
        sim = np.clip(cents @ cents.T, -1.0, 1.0)
        n = len(ids)
        side = min(7.0, 2.4 + 0.38 * n)
        fig = new_figure(side + 1.6, side)
        ax = fig.add_subplot()
        img = ax.imshow(sim, cmap="Blues", vmin=min(0.0, float(sim.min())), vmax=1.0)
        labels = [short_label(theme_label(result, t), 30) for t in ids]
        ax.set_xticks(range(n), labels, rotation=45, ha="right", fontsize=8)
        ax.set_yticks(range(n), labels, fontsize=8)
        for tick, tid in zip(ax.get_xticklabels(), ids):
            tick.set_color(colours.get(tid, INK))
        for tick, tid in zip(ax.get_yticklabels(), ids):
            tick.set_color(colours.get(tid, INK))
        if n <= 12:
            for i in range(n):
                for j in range(n):
                    ax.text(j, i, f"{sim[i, j]:.2f}", ha="center", va="center", fontsize=7,
                            color="white" if sim[i, j] > 0.6 else INK)  # fmt: skip
        ax.tick_params(length=0)
        for spine in ax.spines.values():
            spine.set_visible(False)
        fig.colorbar(img, ax=ax, shrink=0.7, label="cosine similarity")
        return fig


# -- hierarchy --------------------------------------------------------------------
def plot_hierarchy(result: RunData) -> Figure:
    """Dendrogram of the largest themes (at most 25; average linkage, cosine distance between mean embeddings).

    Raises
    ------
    StageSkippedError
        The result has no embeddings or no themes.

    Examples
    --------
    >>> fig = plot_hierarchy(result)
    """
    with _centroid_figure(result, "theme hierarchy") as (ids, cents, colours):
        labels = [short_label(theme_label(result, t), LABEL_CHARS) for t in ids]
        n = len(ids)
        fig = new_figure(7.0, 0.9 + 0.34 * max(n, 2))
        ax = fig.add_subplot()
        if n < 2:
            ax.set_axis_off()
            ax.text(0.5, 0.5, f"Only one theme: {labels[0] if labels else ''}", ha="center", va="center", color=MUTED)
            return fig
        from scipy.cluster.hierarchy import dendrogram, linkage

        link = linkage(cents, method="average", metric="cosine")
        link[:, 2] = np.maximum(link[:, 2], 0.0)
        tree = dendrogram(link, no_plot=True, orientation="left")
        for xs, ys in zip(tree["icoord"], tree["dcoord"]):
            # orientation="left": leaves on the y axis, distances on x
            ax.plot(ys, xs, color="#555555", linewidth=1.2)
        leaves = tree["leaves"]
        y = 5 + 10 * np.arange(n)
        ax.yaxis.tick_right()
        ax.set_yticks(y, [labels[i] for i in leaves], fontsize=8)
        for tick, leaf in zip(ax.yaxis.get_major_ticks(), leaves):
            for text in (tick.label1, tick.label2):
                text.set_color(colours.get(ids[leaf], INK))
        for yi, leaf in zip(y, leaves):
            ax.plot([0], [yi], marker="o", color=colours.get(ids[leaf], INK), markersize=6, clip_on=False)
        ax.set_ylim(0, 10 * n)
        ax.set_xlim(left=0)
        ax.invert_xaxis()
        ax.spines["left"].set_visible(False)
        ax.spines["right"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("cosine distance")
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        return fig


# -- outlets (small piles) -------------------------------------------------------
def plot_outlets(result: RunData) -> Figure | None:
    """Articles per story and outlet: who covered which story (``None`` when no article names its outlet).

    On a pile of a few stories this says more than a map of far-apart dots:
    which stories several outlets covered, and which outlets cover the pile.

    Examples
    --------
    >>> fig = plot_outlets(result)
    """
    arts = result.articles
    if arts is None or "outlet" not in arts or "topic" not in arts:
        return None
    arts = arts[(arts["topic"] >= 0) & arts["outlet"].fillna("").astype(str).str.strip().astype(bool)]
    if arts.empty:
        return None
    order = [t for t in theme_ids(result) if t in set(arts["topic"].tolist())][:FIGURE_THEMES]
    counts = arts.groupby(["topic", "outlet"]).size()
    outlets = arts["outlet"].value_counts().index.tolist()[:OUTLET_COLUMNS]
    M = np.array([[int(counts.get((t, o), 0)) for o in outlets] for t in order])
    colours = topic_colours(result)
    with style():
        fig = new_figure(min(7.5, 2.6 + 0.55 * len(outlets)), 1.1 + 0.38 * len(order))
        ax = fig.add_subplot()
        ax.imshow(np.where(M > 0, M, np.nan), cmap="Blues", vmin=0, vmax=max(2, int(M.max())), aspect="auto")
        for (i, j), v in np.ndenumerate(M):
            if v:
                ax.text(j, i, str(v), ha="center", va="center", fontsize=8, color=INK)
        ax.set_xticks(np.arange(len(outlets)), [short_label(o, 18) for o in outlets], rotation=35, ha="right")
        ax.set_yticks(np.arange(len(order)), [short_label(theme_label(result, t), LABEL_CHARS) for t in order])
        for tick, t in zip(ax.get_yticklabels(), order):
            tick.set_color(colours.get(t, INK))
        ax.set_xticks(np.arange(len(outlets) + 1) - 0.5, minor=True)
        ax.set_yticks(np.arange(len(order) + 1) - 0.5, minor=True)
        ax.grid(which="minor", color=GRID, linewidth=0.8)
        ax.tick_params(which="both", length=0)
        for side in ax.spines.values():
            side.set_visible(False)
        return fig


# -- all figures ----------------------------------------------------------------
#: Every figure by name, in report order: the function that draws it and its one-line caption.
FIGURES: dict[str, tuple[Callable[[RunData], Figure | None], str]] = {
    "sizes": (plot_topic_sizes, "Stories by number of segments (share of the corpus); past the 25 largest, the rest in one bar."),
    "map": (plot_topic_map, "Map of the segments: each dot is a segment, coloured by story; the largest stories are labelled at their centre."),
    "outlets": (plot_outlets, "Who covered which story: articles per story and outlet."),
    "keywords": (plot_keywords, "The words that set each theme apart, by weight (at most the 12 largest themes)."),
    "similarity": (plot_similarity, "How alike the largest stories are: cosine similarity of their mean embeddings."),
    "hierarchy": (plot_hierarchy, "Which of the largest stories are closest: average-linkage clustering of their mean embeddings."),
    "over_time": (plot_over_time, "Articles per story and day (or week, or month), by publication date."),
    "timeline": (plot_timeline, "Articles per day (or week, or month) by outlet, by publication date."),
}  # fmt: skip
#: Figure names with their captions.
FIGURE_CAPTIONS: dict[str, str] = {name: caption for name, (_, caption) in FIGURES.items()}
#: The public ``plot_*`` functions (exported by topicsum).
PLOTS: tuple[str, ...] = tuple(sorted(fn.__name__ for fn, _ in FIGURES.values()))


def make_figures(result: RunData) -> dict[str, Figure]:
    """Draw every figure the result supports, by name.

    Names, in report order: ``"sizes"``, ``"map"`` (more than
    :data:`SMALL_PILE` stories; needs 2-D coordinates or embeddings), ``"outlets"``
    (at most :data:`SMALL_PILE` stories, articles that name their outlet), ``"keywords"``, ``"similarity"`` and ``"hierarchy"`` (need
    embeddings), ``"over_time"`` and ``"timeline"`` (need publication dates on
    more than one day).  A figure the result cannot support is left out,
    with the reason logged.

    Examples
    --------
    >>> sorted(make_figures(result))
    ['hierarchy', 'keywords', 'outlets', 'similarity', 'sizes']
    """
    out: dict[str, Figure] = {}
    small = len(theme_ids(result)) <= SMALL_PILE
    for name, (make, _) in FIGURES.items():
        if (name == "map" and small) or (name == "outlets" and not small):
            logger.info("figure %s left out: the pile has %s %d stories", name, "at most" if small else "more than", SMALL_PILE)
            continue
        try:
            fig = make(result)
        except StageSkippedError as exc:
            logger.info("figure %s left out: %s", name, exc)
            continue
        if fig is None:
            logger.info("figure %s left out: nothing to draw (no dates on two days, or no outlets)", name)
            continue
        out[name] = fig
    return out


def figures_of(result: RunData) -> dict[str, Figure]:
    """The result's figures, drawn once and kept on it (``Result.figures``)."""
    if result._figures is None:
        result._figures = make_figures(result)
    return result._figures
