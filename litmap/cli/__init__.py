"""litmap's command line: a thin layer over the library. Each module adds one command group."""

from __future__ import annotations

from litmap.cli.app import app

# Command modules register themselves on `app`; the order here is the order in `litmap --help`.
from litmap.cli import imports  # noqa: E402,F401
from litmap.cli import dedupe  # noqa: E402,F401
from litmap.cli import screening  # noqa: E402,F401
from litmap.cli import screen  # noqa: E402,F401
from litmap.cli import team  # noqa: E402,F401
from litmap.cli import coding  # noqa: E402,F401
from litmap.cli import reports  # noqa: E402,F401
from litmap.cli import export  # noqa: E402,F401
from litmap.cli import demo  # noqa: E402,F401


def main() -> None:
    app(prog_name="litmap")


__all__ = ["app", "main"]
