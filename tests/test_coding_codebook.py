"""Codebook validation (errors name file, line and key), storage with history, and the country table."""

from __future__ import annotations

import json
import textwrap

import pytest

from coding_support import CODEBOOK
from litmap.coding.codebook import current_codebook, parse_codebook
from litmap.coding.countries import BY_ALPHA2, BY_ALPHA3, COUNTRIES, complete, lookup
from litmap.errors import ProtocolError


def parse(text: str):
    return parse_codebook(textwrap.dedent(text).lstrip(), "cb.toml")


def error_of(text: str) -> str:
    with pytest.raises(ProtocolError) as exc:
        parse(text)
    return str(exc.value)


def test_example_codebook_dimensions_and_types():
    book = parse_codebook(CODEBOOK.read_text(), str(CODEBOOK))
    kinds = {d.key: (d.type, d.multiple) for d in book.dimensions}
    assert kinds == {
        "theme": ("choice", True), "form": ("choice", True), "actors": ("choice", True), "technology": ("choice", True),
        "country": ("country", True), "design": ("choice", False), "data_year": ("year", False),
        "sample_size": ("number", False), "notes": ("text", False),
    }
    theme = book.dimension("theme")
    assert [c.key for c in theme.codes][:3] == ["legal", "enforcement", "prevention"]
    assert all(c.description for c in theme.codes)
    form = book.dimension("form")
    assert form.code("csam-production").parent == "csam" and form.code("csam-production").depth == 1
    assert form.ancestors("csam-distribution") == ["csam"]
    assert book.dimension("Study design").key == "design"  # by label too


def test_unknown_type_names_key_and_line():
    msg = error_of("""
        [dimensions.theme]
        label = "Theme"
        type = "choise"
    """)
    assert msg == "cb.toml: line 3: dimensions.theme.type: type must be one of choice, text, number, year, country; got 'choise'"


def test_typo_in_key_and_missing_label():
    msg = error_of("""
        [codebook]
        title = "x"

        [dimensions.design]
        lable = "Design"
        type = "choice"
        [dimensions.design.codes]
        survey = "Survey"
    """)
    assert msg.startswith("cb.toml: line 5: dimensions.design.lable: unknown key; a dimension takes codes, explanation,")
    assert msg.endswith("(and 1 more problem)")
    with pytest.raises(ProtocolError) as exc:
        parse("[dimensions.design]\nlable = 'D'\ntype = 'choice'\ncodes.survey = 'Survey'\n")
    assert exc.value.problems[1] == "cb.toml: line 1: dimensions.design: missing 'label'; give it label = \"...\""


def test_code_errors_point_at_the_code():
    msg = error_of("""
        [dimensions.form]
        label = "Form"
        type = "choice"
        multiple = true

        [dimensions.form.codes.csam]
        label = "CSAM"

        [dimensions.form.codes.csam.codes.production]
        description = "no label here"
    """)
    assert msg == "cb.toml: line 9: dimensions.form.codes.csam.codes.production: missing 'label'; give it label = \"...\""


def test_duplicate_code_key_across_levels():
    msg = error_of("""
        [dimensions.form]
        label = "Form"
        type = "choice"
        [dimensions.form.codes.csam]
        label = "CSAM"
        [dimensions.form.codes.csam.codes.csam]
        label = "CSAM again"
    """)
    assert msg.startswith("cb.toml: line 6: dimensions.form.codes.csam.codes.csam: code key used twice")


@pytest.mark.parametrize("text, expected", [
    ("[dimensions.n]\nlabel = 'N'\ntype = 'text'\nmultiple = true\n", "cb.toml: line 4: dimensions.n.multiple: only choice and country dimensions take several values, not text"),
    ("[dimensions.c]\nlabel = 'C'\ntype = 'choice'\n", "cb.toml: line 1: dimensions.c: a choice dimension needs codes: [dimensions.c.codes.<key>] with a label"),
    ("[dimensions.y]\nlabel = 'Y'\ntype = 'year'\nmin = 2020\nmax = 2000\n", "cb.toml: line 5: dimensions.y.max: must not be below min"),
    ("title = 'x'\n", "cb.toml: line 1: title: unknown top-level key; a codebook has [codebook] and [dimensions.<key>] tables (and 1 more problem)"),
    ("[codebook]\ntitle = 'only a title'\n", "cb.toml: dimensions: no dimensions; add at least one [dimensions.<key>] table with label and type"),
])
def test_more_validation_errors(text, expected):
    with pytest.raises(ProtocolError) as exc:
        parse_codebook(text, "cb.toml")
    assert str(exc.value) == expected


def test_toml_syntax_error_has_the_line():
    msg = error_of("""
        [dimensions.theme]
        label = "Theme
        type = "choice"
    """)
    assert msg.startswith("cb.toml: not valid TOML (") and "line 2" in msg


def test_cli_load_show_and_history(litmap, tmp_path, db_path):
    out = litmap.ok("codebook", "load", CODEBOOK)
    assert out.stdout.startswith("Loaded codebook 1 from ")
    again = litmap.ok("codebook", "load", CODEBOOK)
    assert again.stdout.startswith("Unchanged: codebook 1")
    changed = tmp_path / "cb.toml"
    changed.write_text(CODEBOOK.read_text().replace('version = "1"', 'version = "2"'))
    assert litmap.ok("codebook", "load", changed).stdout.startswith("Loaded codebook 2 ")
    shown = json.loads(litmap.ok("codebook", "show", "--json").stdout)
    assert shown["version"] == "2" and shown["dimensions"][0]["key"] == "theme"
    text = litmap.ok("codebook", "show").stdout
    assert "form  Form of abuse or exploitation  [several choices]" in text
    assert "      csam-production  CSAM production" in text  # sub-codes indented
    from litmap.store import open_store
    assert open_store(db_path).execute("select count(*) from codebooks").fetchone()[0] == 2


def test_cli_bad_codebook_leaves_store_unchanged(litmap, tmp_path, db_path):
    litmap.ok("codebook", "load", CODEBOOK)
    bad = tmp_path / "bad.toml"
    bad.write_text("[dimensions.theme]\nlabel = 'Theme'\ntype = 'choice'\n[dimensions.theme.codes.legal]\ndescription = 'x'\n")
    result = litmap("codebook", "load", bad)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {bad}: line 4: dimensions.theme.codes.legal: missing 'label'; give it label = \"...\"\n"
    from litmap.store import open_store
    assert current_codebook(open_store(db_path)).title.startswith("ICT-facilitated")
    missing = litmap("codebook", "load", tmp_path / "nope.toml")
    assert missing.exit_code == 1 and "no such file" in missing.stderr


def test_show_without_codebook(litmap):
    litmap.ok("codebook", "load", CODEBOOK)  # creates the store
    result = litmap("map", "nonexistent")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: no dimension 'nonexistent' in the codebook; map one of: theme, form,")


def test_country_table():
    assert len(COUNTRIES) == 249
    assert len(BY_ALPHA2) == 249 and len(BY_ALPHA3) == 249
    assert len({c.m49 for c in COUNTRIES}) == 249
    assert all(c.region for c in COUNTRIES if c.alpha2 != "AQ")
    ke = lookup("KEN")
    assert ke is BY_ALPHA2["KE"] and ke.region == "Africa" and ke.area == "Eastern Africa" and ke.label() == "Kenya (KE)"
    assert lookup("united kingdom of great britain and northern ireland").alpha2 == "GB"
    assert lookup("cote d'ivoire").alpha2 == "CI"  # accents folded
    assert [c.alpha2 for c in complete("ken")] == ["KE"]
    assert {"GB", "US", "AE", "TZ"} <= {c.alpha2 for c in complete("united")}
    assert complete("korea")[0].alpha2 in ("KR", "KP") and len(complete("korea")) == 2
    assert lookup("Narnia") is None and complete("zzz") == []
