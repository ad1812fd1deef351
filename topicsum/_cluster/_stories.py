"""Stories: articles -> one theme per news story, at a grain calibrated for the embedding model.

1. :func:`article_vectors` -- the article is the unit that carries a story: one unit
   vector per article, the mean of its segments' vectors.
2. :func:`calibrate` -- the story threshold as a cosine similarity, from the embedding
   model's *background* similarity (pairs of unrelated articles):
   ``s* = median + Z_STORY * granularity * scale``.  For the bundled all-MiniLM-L6-v2 the
   background was measured once on 2,225 unrelated BBC News articles
   (:data:`MINILM_BACKGROUND`, so ``s* = 0.60``); for another model it is estimated from
   the corpus itself (:func:`background_stats`) when the corpus is large enough.
3. :func:`cluster_stories` -- average linkage (UPGMA) on cosine distance cut at ``1 - s*``:
   no number of stories to give, no cap, no outliers (an article that matches nothing is a
   one-article story).  Average linkage merges on the *mean* pairwise similarity, which does
   not grow with a story's size (Ward's merge height grows like sqrt(n) and splits big
   stories).  Exact and memory-bounded at any size: it never merges groups without a pair
   above the cut, so it splits into the connected components of the sparse graph
   "cos >= s*", each clustered exactly (scipy's linkage, or a sparse nearest-neighbour-chain
   UPGMA for a huge component).
4. Everything is deterministic and independent of input order: rows are put in a canonical
   order by content before clustering, and ties break on that order.

Measured (bench/stories.py, README): Multi-News 200 as a story corpus NMI 0.945 with 236
stories; the seeds' six stories; the same stories in reverse file order; ARI >= 0.96 with
10% of the articles removed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .._errors import ConfigError, InputError

__all__ = [
    "MINILM_BACKGROUND",
    "Z_STORY",
    "article_vectors",
    "background_stats",
    "calibrate",
    "canonical_order",
    "cluster_stories",
    "relabel_canonical",
    "story_centres",
    "sticky_stories",
    "story_tree_cut",
    "unit64",
]

#: Robust z-score (in units of the background's upper-half scale) that the average similarity
#: between two stories' articles must reach above the background median for them to merge.
#: Model-free by construction; set so that all-MiniLM-L6-v2 lands at 0.60, the middle of the
#: window [0.595, 0.61] allowed by the seed pages (two Ukraine stories at 0.595) and
#: Multi-News 200 (more than 240 stories above 0.61).
Z_STORY = 3.15
#: Background (median, scale) of all-MiniLM-L6-v2 article vectors over all pairs of 2,225
#: BBC News articles (:func:`background_stats`).  calibrate() -> 0.6016.
MINILM_BACKGROUND = (0.1042, 0.1579)
#: Components up to this many articles use scipy's linkage (condensed matrix: 100 MB at
#: 5,000); bigger ones the sparse nearest-neighbour-chain UPGMA (no m x m matrix).
MAX_EXACT = 5_000
#: An explicit number of stories cuts the full scipy tree up to this many articles; above
#: it, kNN-restricted average linkage (scikit-learn).
TREE_MAX = 12_000


def unit64(x: np.ndarray) -> np.ndarray:
    """Rows scaled to length 1 (zero rows stay zero), as float64."""
    x = np.asarray(x, dtype=np.float64)
    n = np.linalg.norm(x, axis=-1, keepdims=True)
    n[n == 0] = 1.0
    return x / n


def article_vectors(
    seg_vectors: np.ndarray,
    article_ids: Sequence[str],
    positions: Sequence[float] | None = None,
    *,
    lead: float = 0.0,
) -> tuple[list[str], np.ndarray]:
    """One unit vector per article: the weighted mean of its segments' unit vectors.

    Parameters
    ----------
    seg_vectors : (n_segments, d) array, rows L2-normalised (duplicates included: a copy's
        vector is its original's, so every article is complete).
    article_ids : article id of each segment.
    positions : order of each segment inside its article (e.g. ``start`` offset); only
        needed when ``lead > 0``.
    lead : lead weighting.  0 = plain mean.  ``lead > 0`` gives the j-th segment (0-based,
        by position) the weight ``1 / (1 + lead * j)``.

    Returns
    -------
    ids : sorted unique article ids
    vectors : float32 (n_articles, d), unit rows, in the order of ``ids``
    """
    X = np.asarray(seg_vectors, dtype=np.float64)
    ids, inv = np.unique(np.asarray(list(article_ids), dtype=object).astype(str), return_inverse=True)
    w = np.ones(len(X))
    if lead > 0:
        if positions is None:
            raise InputError("lead weighting needs the position of every segment; pass positions.")
        pos = np.asarray(positions, dtype=np.float64)
        order = np.lexsort((pos, inv))
        rank = np.empty(len(X))
        start = 0
        for k in range(len(ids)):  # rank within article
            end = start
            while end < len(order) and inv[order[end]] == k:
                end += 1
            rank[order[start:end]] = np.arange(end - start)
            start = end
        w = 1.0 / (1.0 + lead * rank)
    sums = np.zeros((len(ids), X.shape[1]))
    np.add.at(sums, inv, X * w[:, None])
    return ids.tolist(), unit64(sums).astype(np.float32)


def canonical_order(V: np.ndarray) -> np.ndarray:
    """A permutation that sorts rows by content (their float32 bit patterns), not by input order.

    Identical rows end up adjacent; any two runs on the same set of vectors see them in the
    same order, so scipy's linkage (and every tie inside it) is reproduced bit for bit.
    """
    V32 = np.ascontiguousarray(np.asarray(V, dtype=np.float32))
    keys = V32.view(np.int32)
    few = min(4, keys.shape[1])
    order = np.lexsort(keys[:, :few].T[::-1])  # fast path: the first 4 coordinates
    k = keys[order, :few]
    if len(order) > 1 and np.any(np.all(k[1:] == k[:-1], axis=1)):  # ties: use every coordinate
        order = np.lexsort(keys.T[::-1])
    return order


def relabel_canonical(labels: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Renumber labels 0..k-1: largest first, ties by earliest member in ``order`` (canonical)."""
    labels = np.asarray(labels)
    n = len(labels)
    order = np.arange(n) if order is None else np.asarray(order)
    first = {}
    for rank, i in enumerate(order.tolist()):
        first.setdefault(int(labels[i]), rank)
    uniq, counts = np.unique(labels, return_counts=True)
    size = dict(zip(uniq.tolist(), counts.tolist()))
    new = sorted(size, key=lambda t: (-size[t], first[t]))
    mapping = {t: i for i, t in enumerate(new)}
    return np.array([mapping[int(t)] for t in labels], dtype=np.int64)


def background_stats(V: np.ndarray, *, max_pairs: int = 2_000_000, exclude_top: int = 0) -> tuple[float, float]:
    """Robust location and scale of the cosine similarity between (mostly unrelated) articles.

    ``V`` should be article vectors of a reference set of unrelated news articles (or a large
    corpus, where almost every pair belongs to different stories).  All pairs are used up to
    ``max_pairs`` (then a fixed, evenly spaced subset of rows: no randomness).

    Returns (median, scale) with scale = (q90 - q50) / 1.2816, i.e. the standard deviation a
    normal distribution with the same upper half would have: the upper tail is what matters
    for the threshold, and it is the part of the distribution least affected by anisotropy.
    """
    V = unit64(V)
    n = len(V)
    m = n
    while m * (m - 1) // 2 > max_pairs:
        m = int(m * 0.9)
    rows = np.unique(np.linspace(0, n - 1, m).round().astype(int)) if m < n else np.arange(n)
    S = V[rows] @ V[rows].T
    iu = np.triu_indices(len(rows), 1)
    s = S[iu]
    q50, q90 = np.quantile(s, [0.5, 0.9])
    return float(q50), float((q90 - q50) / 1.2815516)


def calibrate(background: tuple[float, float] = MINILM_BACKGROUND, *, z: float = Z_STORY, granularity: float = 1.0) -> float:
    """The story threshold as a cosine similarity: ``median + z * granularity * scale``, capped at 0.95.

    For a new embedding model: embed a reference set of unrelated news articles (the same
    one for every model; here the BBC News articles), build article vectors with
    :func:`article_vectors`, take ``background_stats`` of them and pass it here.  Only the
    model-free ``Z_STORY`` is carried over from MiniLM.

    ``granularity`` scales the z-score: 1.0 default; 1.2 -> MiniLM 0.70 (finer: only close
    retellings of one event merge); 0.8 -> 0.50 (coarser: follow-ups and closely related
    events merge); 0.5 -> 0.35 (topic-like).  > 1 finer, < 1 coarser.
    """
    med, scale = background
    return float(min(0.95, med + z * granularity * scale))


def _threshold_graph(V: np.ndarray, s_min: float, block: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """All pairs (i < j) with cos(V_i, V_j) >= s_min, by blocked matrix products (float32).

    Exact; O(n^2 d) time, O(block * n) memory (block chosen so one block is <= ~150 MB).
    """
    V32 = np.ascontiguousarray(V, dtype=np.float32)
    n = len(V32)
    if block is None:
        block = int(max(128, min(4096, 150e6 // (4 * max(n, 1)))))
    rows, cols = [], []
    for a in range(0, n, block):
        S = V32[a : a + block] @ V32[a:].T
        r, c = np.nonzero(S >= s_min)
        c = c + a
        r = r + a
        keep = c > r
        rows.append(r[keep])
        cols.append(c[keep])
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows).astype(np.int64), np.concatenate(cols).astype(np.int64)


def _components(n: int, r: np.ndarray, c: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(r), dtype=np.int8), (r, c)), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _average_linkage_cut(W: np.ndarray, d_cut: float) -> np.ndarray:
    """Exact UPGMA on cosine distance (rows of W are unit vectors, canonical order), cut at d_cut."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import pdist

    m = len(W)
    if m == 1:
        return np.zeros(1, dtype=np.int64)
    D = np.clip(pdist(W.astype(np.float64), "cosine"), 0.0, 2.0)
    Z = linkage(D, method="average")
    return fcluster(Z, d_cut, criterion="distance").astype(np.int64) - 1


def _sparse_upgma_cut(
    W: np.ndarray, r: np.ndarray, c: np.ndarray, s_cut: float, start: np.ndarray | None = None
) -> np.ndarray:
    """Exact UPGMA (average linkage, cosine) cut at similarity ``s_cut``, without a distance matrix.

    For unit vectors the average cosine similarity between two clusters is the dot product of
    their (unnormalised) mean vectors, so clusters are represented by mean + size only, and a
    cluster can only ever reach ``s_cut`` with clusters it shares an edge of the threshold
    graph (r, c) with.  The nearest-neighbour-chain algorithm over that sparse cluster graph
    applies exactly the merges of height <= 1 - s_cut (UPGMA is reducible: a cluster whose
    best neighbour is below ``s_cut`` can never merge below the cut, so it is final).
    Memory O(m d + edges); time ~ O(edges d).  Deterministic: ties go to the lower index.

    ``start`` (cluster per row, numbered 0..k-1) starts from clusters formed
    already, e.g. earlier stories: they merge as wholes and are never split.
    """
    if start is None:
        start = np.arange(len(W))
    start = np.asarray(start, dtype=np.int64)
    m = int(start.max()) + 1 if len(start) else 0
    size = np.bincount(start, minlength=m).astype(np.float64)
    mu = np.zeros((m, W.shape[1]))
    np.add.at(mu, start, np.asarray(W, dtype=np.float64))
    mu /= size[:, None]
    nbrs: list[set[int]] = [set() for _ in range(m)]
    for a, b in zip(start[r].tolist(), start[c].tolist()):
        if a != b:
            nbrs[a].add(b)
            nbrs[b].add(a)
    alive = np.ones(m, dtype=bool)
    final = np.zeros(m, dtype=bool)
    owner = np.arange(m)  # union-find parent

    def find(x: int) -> int:
        while owner[x] != x:
            owner[x] = owner[owner[x]]
            x = owner[x]
        return x

    def nearest(a: int, prev: int) -> tuple[int, float]:
        cand = np.fromiter(nbrs[a], dtype=np.int64, count=len(nbrs[a]))
        if len(cand) == 0:
            return -1, -np.inf
        cand.sort()
        sims = mu[cand] @ mu[a]
        j = int(np.argmax(sims))  # lowest index among ties
        best = float(sims[j])
        if prev >= 0 and prev in nbrs[a]:
            sp = float(mu[prev] @ mu[a])
            if sp >= best:  # keep the chain's predecessor on ties (NN-chain needs it)
                return prev, sp
        return int(cand[j]), best

    for head in range(m):  # clusters below ``head`` are all merged away or final
        while alive[head] and not final[head]:
            chain = [head]
            while chain:
                a = chain[-1]
                prev = chain[-2] if len(chain) > 1 else -1
                b, sim = nearest(a, prev)
                if b < 0 or sim < s_cut:
                    final[a] = True
                    chain.pop()
                    continue
                if b == prev:  # reciprocal nearest neighbours: merge (keep the lower index)
                    chain.pop()
                    chain.pop()
                    keep, gone = (a, b) if a < b else (b, a)
                    mu[keep] = (size[keep] * mu[keep] + size[gone] * mu[gone]) / (size[keep] + size[gone])
                    size[keep] += size[gone]
                    alive[gone] = False
                    owner[gone] = keep
                    merged = (nbrs[keep] | nbrs[gone]) - {keep, gone}
                    for x in nbrs[gone]:
                        if x != keep:
                            nbrs[x].discard(gone)
                            nbrs[x].add(keep)
                    nbrs[keep] = merged
                    nbrs[gone] = set()
                    # clusters in the chain stay valid (their NN may change; it is recomputed)
                else:
                    chain.append(b)
    roots = np.array([find(i) for i in range(m)], dtype=np.int64)
    return np.unique(roots, return_inverse=True)[1].astype(np.int64)[start]


def _canonical_rows(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(order, W)``: the rows as float32 unit vectors in their canonical order (ties broken by content)."""
    V = unit64(np.asarray(vectors, dtype=np.float32)).astype(np.float32)
    order = canonical_order(V) if len(V) else np.zeros(0, dtype=np.int64)
    return order, V[order]


def cluster_stories(
    vectors: np.ndarray,
    *,
    threshold: float | None = None,
    granularity: float = 1.0,
    n_stories: int | None = None,
    background: tuple[float, float] = MINILM_BACKGROUND,
    max_exact: int = MAX_EXACT,
    return_info: bool = False,
):
    """Story label per article (0 = largest story; every article gets a story).

    Parameters
    ----------
    vectors : (n, d) unit article vectors (any order; the result does not depend on it).
    threshold : cosine *similarity* two stories' articles must reach on average to be merged;
        ``None`` = :func:`calibrate` (background, granularity).
    granularity : 1.0 default.  Scales the z-score above the background: 1.2 needs 20% more
        standard deviations above unrelated-article similarity (finer stories, more of them),
        0.8 fewer (coarser).  Ignored when ``threshold`` or ``n_stories`` is given.
    n_stories : cut the same average-linkage tree at exactly this many stories.
    """
    order, W = _canonical_rows(vectors)
    n = len(W)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    info: dict = {}
    if n_stories is not None:
        lab = story_tree_cut(W, int(n_stories))
    else:
        s_star = calibrate(background, granularity=granularity) if threshold is None else float(threshold)
        d_cut = 1.0 - s_star
        r, c = _threshold_graph(W, s_star - 1e-4)
        comp = _components(n, r, c)
        lab = np.empty(n, dtype=np.int64)
        nxt = 0
        # components in canonical order of their first member
        comp_ids, first = np.unique(comp, return_index=True)
        sizes = np.bincount(comp)
        info.update(threshold=s_star, n_edges=int(len(r)), n_components=len(comp_ids), largest_component=int(sizes.max()))
        members_of = np.split(np.argsort(comp, kind="stable"), np.cumsum(sizes)[:-1])
        for cid in comp_ids[np.argsort(first)]:
            members = members_of[cid]
            if len(members) == 1:
                sub = np.zeros(1, dtype=np.int64)
            elif len(members) == 2:  # UPGMA of two points: merged iff their distance <= the cut
                d = 1.0 - float(np.dot(W[members[0]].astype(np.float64), W[members[1]].astype(np.float64)))
                sub = np.array([0, 0 if d <= d_cut else 1], dtype=np.int64)
            elif len(members) <= max_exact:
                sub = _average_linkage_cut(W[members], d_cut)
            else:  # a huge component (chaining): exact sparse UPGMA, no m x m matrix
                local = np.full(n, -1, dtype=np.int64)
                local[members] = np.arange(len(members))
                inside = comp[r] == cid
                sub = _sparse_upgma_cut(W[members], local[r[inside]], local[c[inside]], s_star)
                info["sparse_upgma"] = info.get("sparse_upgma", 0) + 1
            lab[members] = sub + nxt
            nxt += int(sub.max()) + 1
    out = np.empty(n, dtype=np.int64)
    out[order] = lab
    out = relabel_canonical(out, order)
    return (out, info) if return_info else out


def story_tree(W: np.ndarray):
    """Full exact UPGMA tree (scipy linkage matrix) on cosine distance; O(n^2) memory."""
    from scipy.cluster.hierarchy import linkage
    from scipy.spatial.distance import pdist

    D = np.clip(pdist(np.asarray(W, dtype=np.float64), "cosine"), 0.0, 2.0)
    return linkage(D, method="average")


def story_tree_cut(W: np.ndarray, k: int, *, max_exact: int = TREE_MAX) -> np.ndarray:
    """Cut the UPGMA tree of canonical-order rows ``W`` at exactly ``k`` stories."""
    from scipy.cluster.hierarchy import fcluster

    n = len(W)
    if not 1 <= k <= n:
        raise ConfigError(f"n_topics={k} is more than the {n} articles; ask for at most {n} stories or use 'auto'.")
    if n == 1:
        return np.zeros(1, dtype=np.int64)
    if n <= max_exact:
        return fcluster(story_tree(W), k, criterion="maxclust").astype(np.int64) - 1
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.neighbors import kneighbors_graph

    conn = kneighbors_graph(W, n_neighbors=30, metric="cosine", include_self=False)
    model = AgglomerativeClustering(n_clusters=k, metric="cosine", linkage="average", connectivity=conn)
    return model.fit_predict(W).astype(np.int64)


def story_centres(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(unit centre per story 0..k-1, size per story)."""
    V = np.asarray(vectors, dtype=np.float64)
    k = int(labels.max()) + 1
    sums = np.zeros((k, V.shape[1]))
    np.add.at(sums, labels, V)
    return unit64(sums).astype(np.float32), np.bincount(labels, minlength=k)


def sticky_stories(vectors: np.ndarray, init: np.ndarray, threshold: float) -> np.ndarray:
    """Average linkage that starts from earlier stories: a story label per article (0 = largest).

    ``init`` gives every article its earlier story (any integer; -1 for an
    article seen for the first time).  Each earlier story starts as one
    cluster and each new article as its own; UPGMA (exact, sparse) then
    merges clusters while two reach ``threshold`` on average: new articles
    join a story or form new ones, and two earlier stories merge only when the
    articles that joined them bring their average up to the threshold.  An
    earlier story is never split.  Without earlier stories it is
    :func:`cluster_stories`' cut.

    Examples
    --------
    >>> V = unit64(np.array([[1, 0], [0.99, 0.14], [0, 1], [0.98, 0.2]], dtype=np.float32))
    >>> sticky_stories(V, np.array([0, 0, 1, -1]), 0.6).tolist()
    [0, 0, 1, 0]
    """
    order, W = _canonical_rows(vectors)
    n = len(W)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.empty(n, dtype=np.int64)
    first: dict[int, int] = {}
    for i, label in enumerate(np.asarray(init, dtype=np.int64)[order].tolist()):
        # clusters numbered in canonical order of their first member: the result never depends on input order
        key = label if label >= 0 else -1 - i
        start[i] = first.setdefault(key, len(first))
    r, c = _threshold_graph(W, threshold - 1e-4)
    lab = _sparse_upgma_cut(W, r, c, threshold, start=start)
    out = np.empty(n, dtype=np.int64)
    out[order] = lab
    return relabel_canonical(out, order)
