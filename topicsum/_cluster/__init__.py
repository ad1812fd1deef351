"""Clustering stage: unique segments + embeddings -> themes, with a fitted BERTopic model.

* :mod:`._algorithm` -- how themes are found, as plain functions on vectors;
* :mod:`._bertopic` -- the assignment handed to BERTopic (keywords, hierarchy, merging);
* :mod:`._layout` -- the report's 2-D map;
* :mod:`._persist` -- save and load (safetensors and JSON, no pickle);
* :mod:`._model` -- :class:`ThemeModel`, the estimator that ties them together.

Why not BERTopic's UMAP + HDBSCAN defaults: on news they give many small
themes and a large outlier share (BBC News: 41 topics, 19% outliers, NMI 0.53;
here 5 themes, NMI 0.87), two ``the_of_to_and`` topics on a handful of saved
pages, and UMAP's cost dominates at 100,000 segments.

Heavy packages (bertopic, scipy, scikit-learn) are imported inside the functions.
"""

from __future__ import annotations

from ._algorithm import auto_min_topic_size
from ._model import ThemeModel

__all__ = ["ThemeModel", "auto_min_topic_size"]
