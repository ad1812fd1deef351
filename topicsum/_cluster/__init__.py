"""Clustering stage: unique segments + embeddings -> themes, with a fitted BERTopic model.

* :mod:`._stories` -- articles -> stories at a grain calibrated for the embedding model;
* :mod:`._groups` -- related stories gathered into groups when there are many;
* :mod:`._algorithm` -- the two tied together for the segments of a corpus;
* :mod:`._bertopic` -- the assignment handed to BERTopic (keywords, hierarchy, merging);
* :mod:`._layout` -- the report's 2-D map;
* :mod:`._persist` -- save and load (safetensors and JSON, no pickle);
* :mod:`._model` -- :class:`ThemeModel`, the estimator that ties them together;
* :mod:`._scale` -- :func:`fit_themes`, the stage: the model fitted on the
  run's segments, or past one process's size on a seeded sample with the
  rest assigned on the executor.

Naming the stories is the next stage's job (:mod:`topicsum._label`).

Why not BERTopic's UMAP + HDBSCAN defaults: on news they give few, broad topics
and a large outlier share (Multi-News 200 as a story corpus: 19 topics, 21%
outliers, NMI 0.61; stories here: NMI 0.94), two ``the_of_to_and`` topics on a
handful of saved pages, and UMAP's cost dominates at 100,000 segments.

Heavy packages (bertopic, scipy, scikit-learn) are imported inside the functions.
"""

from __future__ import annotations

from ._bertopic import KEYWORD_RULES_VERSION
from ._model import OUTLIER_SIMILARITY, ThemeModel, nearest_theme
from ._persist import STATE_FORMAT
from ._scale import ASSIGN_CHUNK, MAX_CLIENT_FIT, assign_chunk, fit_sample_size, fit_themes

__all__ = [
    "ASSIGN_CHUNK",
    "KEYWORD_RULES_VERSION",
    "MAX_CLIENT_FIT",
    "OUTLIER_SIMILARITY",
    "STATE_FORMAT",
    "ThemeModel",
    "assign_chunk",
    "fit_sample_size",
    "fit_themes",
    "nearest_theme",
]
