"""Comparison keys: the traps of real exports (DOMAIN.md) and never crashing on anything."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from litmap.dedupe.normalise import (
    author_key, doi_key, first_number, journal_abbreviates, journal_key, kind_names, pages_range,
    record_keys, split_glued, title_kind, title_numbers, title_words,
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Zuna, R E", ("zuna", "r")),
        ("FeldmanG.M.", ("feldman", "g")),
        ("Smith JA", ("smith", "j")),
        ("John A. Smith", ("smith", "j")),
        ("van der Berg, A.", ("berg", "a")),
        ("Müller, Jürgen", ("muller", "j")),
        ("", ("", "")),
    ],
)
def test_author_key_any_form(name, expected):
    assert author_key(name) == expected


def test_glued_author_list_is_split():
    glued = ["Adingupu D. D.Gronros J.Heinonen S.Andreasson A. C."]
    assert split_glued(glued) == ["Adingupu D. D.", "Gronros J.", "Heinonen S.", "Andreasson A. C."]
    assert split_glued(["Smith, J."]) == ["Smith, J."]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Efficacy of X in stroke. [Review] [33 refs]", "efficacy of x in stroke"),
        ("Efficacy observation of batroxobin for treatment of vascular cognitive impairment. [Chinese]",
         "efficacy observation of batroxobin for treatment of vascular cognitive impairment"),
        ("<i>In vivo</i> imaging &amp; the brain", "in vivo imaging the brain"),
        ("Caf\\'e culture in {LaTeX}", "cafe culture in latex"),
        ("[Protective effects of incretin on atherosclerosis]", "protective effects of incretin on atherosclerosis"),
        ("Long title about treatment outcomes in adults with depression. Spanish", "long title about treatment outcomes in adults with depression"),
    ],
)
def test_title_words_strip_notes_markup_and_language_tags(title, expected):
    assert " ".join(title_words(title)) == expected


def test_title_numbers_and_kinds():
    assert title_numbers(title_words("Trial of X: part II")) == "2"
    assert title_numbers(title_words("Phase 3 trial")) == "3"
    assert "erratum" in kind_names(title_kind("Erratum: Effects of X on Y"))
    assert "reply" in kind_names(title_kind("Reply to: Effects of X"))
    assert "editorial" in kind_names(title_kind("Editor's Comments"))
    assert kind_names(title_kind("Effects of Photos and Comments on Demand at Airbnb")) == []


@pytest.mark.parametrize(
    ("pages", "expected"),
    [("1234-56", ("1234", "1256")), ("1234--1256", ("1234", "1256")), ("e0137960", ("137960", "")),
     ("S530", ("530", "")), ("08-Nov", ("", "")), ("pp. 47-65", ("47", "65")), ("", ("", ""))],
)
def test_pages_expanded(pages, expected):
    assert pages_range(pages) == expected


def test_journal_abbreviations_and_years():
    assert journal_abbreviates(journal_key("J Am Coll Cardiol"), journal_key("Journal of the American College of Cardiology"))
    assert not journal_abbreviates(journal_key("Stroke"), journal_key("Journal of Neurology"))
    assert journal_key("Circulation. Conference: American Heart Association") == "circulation"
    assert record_keys("T", "[]", "2011.0", None, None, None, None, None, None, None).year == 2011
    assert first_number("Suppl 2") == "2"
    assert doi_key("https://doi.org/10.1000/ABC.") == "10.1000/abc"


@settings(max_examples=200, deadline=None)
@given(st.text(), st.text(), st.one_of(st.none(), st.text(), st.integers(), st.floats()), st.text(), st.text())
def test_normalisers_never_crash(title, author, year, journal, pages):
    keys = record_keys(title, author, year, journal, pages, pages, pages, pages, title, journal)
    assert isinstance(keys.title, str) and 0 <= keys.year <= 2100
    author_key(author)
    pages_range(pages)


def test_notes_about_other_items_do_not_make_an_erratum_and_thousands_join():
    from litmap.dedupe.normalise import kind_names, title_kind, title_words
    assert kind_names(title_kind("Evaluating risk.[Erratum appears in Cancer Epidemiol Biomarkers Prev. 2006 Jan;15(1):187]")) == []
    assert kind_names(title_kind("Evaluating risk [Comment in: J Clin 2001]")) == []
    assert kind_names(title_kind("Erratum: Evaluating risk")) == ["erratum"]
    assert kind_names(title_kind("Evaluating risk [Comment on: X]")) == ["comment"]
    assert title_words("Adjunctive testing results.[Erratum appears in Arch") == ["adjunctive", "testing", "results"]
    assert title_words("among 10 000 women") == title_words("among 10000 women") == ["among", "10000", "women"]


def test_glued_hyphenated_initials_and_embase_citation_in_the_source_field():
    from litmap.dedupe.normalise import author_key, journal_key
    assert author_key("ChenJ.-L.") == author_key("Chen, J.L.") == ("chen", "j")
    assert author_key("HouW.-J.") == ("hou", "w")
    assert journal_key("Journal of Agricultural and Food Chemistry.59 (7) ()(pp 3027-3034) 2011.Date of Publication: 15 Mar 2011.") \
        == journal_key("Journal of Agricultural and Food Chemistry")
    assert journal_key("Neuropharmacology.81 ()(pp 153-165) 2014.Date of Publication: June 2014.") == "neuropharmacology"


def test_parenthesised_receptor_indices_equal_their_glued_form():
    from litmap.dedupe.normalise import title_words
    assert title_words("5-HT(2)A receptor inactivation") == title_words("5-HT2A receptor inactivation")
    assert title_words("Activation of the CRF(1) receptor") == title_words("Activation of the CRF1 receptor")
    assert title_words("Aged (65) adults") == ["aged", "65", "adults"]  # a free-standing number stays a word


def test_radiolabels_read_alike_in_both_notations_but_stay_distinct():
    assert title_words("[11C]raclopride PET") == title_words("C-11 raclopride PET") == ["11c", "raclopride", "pet"]
    assert title_words("O-(2-[18F]fluoroethyl)") == title_words("O-(2- F-18 fluoroethyl)")
    assert title_words("[18F]FDG PET") != title_words("[11C]FDG PET")
    assert title_words("Hepatitis [Review] [33 refs]") == ["hepatitis"]  # notes, not labels, still go


def test_roman_front_matter_pages_and_r_escapes():
    assert pages_range("xiii-xv") == ("r13", "r15")
    assert pages_range("iv") == ("r4", "")
    assert title_words("MTHFR 677 C<U+2192>T") == title_words("MTHFR 677 C->T")


@pytest.mark.parametrize(("name", "expected"), [
    ("IIIH.E., Covington", ("covington", "h")), ("BarryIII, H.", ("barry", "h")), ("Jr.BuckleyJ.P.", ("buckley", "j")),
    ("MahoneyJ.J.III", ("mahoney", "j")), ("Smith, J. Jr.", ("smith", "j")), ("Ivanov, I.", ("ivanov", "i")),
    ("IVANOV, A", ("ivanov", "a")), ("Sri, G.K.", ("sri", "g")),
])
def test_generational_suffixes_dropped_but_not_from_names(name, expected):
    assert author_key(name) == expected


def test_ovid_citation_in_the_source_field_gives_volume_issue_pages_and_a_year_is_not_a_page():
    k = record_keys("T", "X, Y", 2015, "Behavioural Brain Research.294 (3) ()(pp 81-88) 2015.Date of Publication: 2015.",
                    None, None, None, None, None, "article")
    assert (k.journal, k.volume, k.issue, k.page_start, k.page_end) == ("behavioural brain research", "294", "3", "81", "88")
    assert record_keys("T", "X, Y", 2010, "J", "62", None, "2010", None, None, "article").page_start == ""
    assert record_keys("T", "X, Y", 2010, "J", "62", None, "2010-2015", None, None, "article").page_start == "2010"


def test_csv_quoting_left_in_a_title_and_titles_made_only_of_notes():
    assert title_words('"[Behavioral ""despair"" in female rats and gonadal function]"') == \
        title_words("Behavioral \"despair\" in female rats and gonadal function")
    assert title_words("[Comment]") == ["comment"]  # removing notes never leaves a title empty
