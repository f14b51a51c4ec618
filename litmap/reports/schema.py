"""Schema migrations of this area (registered on litmap.migrations.migrations)."""

from __future__ import annotations

from sqlite_utils import Database

from litmap.migrations import migrations
