"""The interactive screening view (`litmap screen`, `litmap resolve --interactive`)."""

from __future__ import annotations
