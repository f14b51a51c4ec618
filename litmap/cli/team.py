"""Team commands: agreement statistics and merging another copy of the store."""

from __future__ import annotations
