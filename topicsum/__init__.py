"""topicsum: themes and cited digests from the news pages you collect."""

from __future__ import annotations

__version__ = "0.1.0"
