"""Commands of this group (registered on litmap.cli.app.app)."""

from __future__ import annotations
