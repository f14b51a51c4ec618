"""Shared fixtures. Tests are hermetic: every store lives in tmp_path; no network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from litmap.cli import app
from litmap.store import open_store

FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"

needs_shared = pytest.mark.skipif(not SHARED_DATA.exists(), reason="../shared/data not present (real-data checks run where it is)")


class Litmap:
    """Runs the real CLI in-process on one store; `litmap("import", path)` -> click Result."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: object, input: str | None = None, env: dict[str, str] | None = None):
        argv = ["--db", str(self.db), *[str(a) for a in args]]
        return self.runner.invoke(app, argv, input=input, env={"COLUMNS": "200", **(env or {})}, catch_exceptions=False)

    def ok(self, *args: object, input: str | None = None, env: dict[str, str] | None = None):
        result = self(*args, input=input, env=env)
        assert result.exit_code == 0, f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}"
        return result


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "review.db"


@pytest.fixture
def litmap(db_path: Path) -> Litmap:
    return Litmap(db_path)


@pytest.fixture
def empty_store(db_path: Path):
    db = open_store(db_path)
    yield db
    db.close()


@pytest.fixture(autouse=True)
def _no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LITMAP_DB", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
