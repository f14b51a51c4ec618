"""The root command: --db anywhere on the line, LITMAP_DB, and the one-line error edge."""

from __future__ import annotations

from typer.testing import CliRunner

from litmap.cli import app


def test_db_option_accepted_after_the_command(tmp_path):
    db = tmp_path / "x.db"
    result = CliRunner().invoke(app, ["sources", "--db", str(db)])
    assert result.exit_code == 1
    assert result.stderr == f"Error: {db}: no litmap store here; run `litmap import FILE` or `litmap init` first, or pass --db\n"


def test_env_var_names_the_store(tmp_path):
    db = tmp_path / "env.db"
    result = CliRunner().invoke(app, ["sources"], env={"LITMAP_DB": str(db)})
    assert result.exit_code == 1
    assert str(db) in result.stderr


def test_not_a_store_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00\x01garbage" * 10)
    result = CliRunner().invoke(app, ["--db", str(bad), "sources"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    assert "not a litmap store" in result.stderr


def test_unknown_command_is_usage_error():
    result = CliRunner().invoke(app, ["frobnicate"])
    assert result.exit_code == 2


def test_help_lists_commands():
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "import" in result.stdout
