"""Following stories from run to run: stable story ids, what changed, what can be reused.

A pile of pages grows every day and the same command is run again into the
same output folder.  This stage links the stories of the new run to those of
the run before it (its *history*):

* :mod:`._history` -- the earlier run, read from its folder or a ``Result``,
  refused with one sentence (and ``--fresh`` as the way out) when it cannot
  be continued: another topicsum version, files changed or missing since it
  was written, another embedding model;
* :mod:`._match` -- the rule that gives every story of the new run its
  ``story_id`` and ``status``, and says which names and digests are reused.

The rule (README, "Following stories"):

1. Articles seen before start in their earlier story: the cluster stage keeps
   every earlier story whole and lets new articles join it or form new
   stories (``sticky_stories``).  Two earlier stories merge only when new
   articles bring their average similarity up to the story threshold.
2. Earlier stories are matched oldest first: each takes the new story that
   holds most of its articles.  When that story was taken by an older one,
   the younger id is recorded as ``merged`` into it; an earlier story whose
   articles are all gone is ``gone``.  A story that splits (after a change of
   the clustering settings, which re-clusters from scratch) keeps its id in
   the part that holds most of its articles.
3. A new story gets the next id of the folder's counter: ids are never reused.
4. ``status``: ``new`` (a new id), ``unchanged`` (the same articles and
   segments as before: its name and digest are reused byte for byte),
   ``updated`` (articles joined or left, or a story merged into it).
"""

from __future__ import annotations

from ._history import History, PastStory, open_history
from ._match import CHANGE_COLUMNS, STATUSES, Following, changes_frame, follow_stories

__all__ = [
    "CHANGE_COLUMNS",
    "STATUSES",
    "Following",
    "History",
    "PastStory",
    "changes_frame",
    "follow_stories",
    "open_history",
]
