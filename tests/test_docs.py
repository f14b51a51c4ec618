"""Every command has help text and appears in the README; the quick start commands exist."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from litmap.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _command_paths(command, prefix=()):
    for name, sub in getattr(command, "commands", {}).items():
        path = (*prefix, name)
        yield path, sub
        yield from _command_paths(sub, path)


COMMANDS = list(_command_paths(typer.main.get_command(app)))


def test_there_are_commands():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"import", "sources", "show", "search", "export", "dedupe", "screen", "prisma", "map"} <= names


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in COMMANDS])
def test_command_has_help_and_is_in_readme(path):
    result = CliRunner().invoke(app, [*path.split(), "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.stderr
    command = dict((" ".join(p), c) for p, c in COMMANDS)[path]
    assert (command.help or "").strip(), f"`litmap {path}` has no help text"
    assert re.search(rf"litmap (?:--db \S+ )?{re.escape(path)}\b", README), f"`litmap {path}` is not shown in README.md"


def test_quick_start_commands_exist():
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^(?:\$ )?(python3 dev\.py \w+)", quick, re.M)
    assert commands == ["python3 dev.py demo", "python3 dev.py test"]
    usage = subprocess.run([sys.executable, str(ROOT / "dev.py")], capture_output=True, text=True)
    assert usage.returncode == 2 and "dev.py demo" in usage.stderr and "dev.py test" in usage.stderr
    ci = (ROOT / ".ci" / "run").read_text()
    assert "python3 dev.py test" in ci
