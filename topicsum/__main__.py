"""``python -m topicsum`` runs the command-line interface."""

from __future__ import annotations

import sys

from ._cli import main

sys.exit(main())
