"""Comparison keys: what two records are compared on, derived from the store's columns.

These keys are for matching only (lower-case ASCII words, family names, expanded pages); the
store's columns stay as imported. Every function accepts any value and never raises.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass

from litmap.records import LANDING_SUFFIX
from litmap.text import decode_html, decode_latex

_GREEK = {
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "κ": "kappa", "λ": "lambda",
    "μ": "mu", "π": "pi", "σ": "sigma", "τ": "tau", "ω": "omega", "χ": "chi", "θ": "theta", "ß": "ss",
    "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i",
}
_GREEK_RE = re.compile("|".join(map(re.escape, _GREEK)))
_WORD = re.compile(r"[a-z0-9]+")
# Notes databases append to titles: "[Review] [33 refs]", "[Chinese]", "(author's transl)".
_BRACKETED = re.compile(r"\[[^\[\]]{0,80}\]|\((?:author'?s? transl|[a-z]+ ?language|article in [a-z ]+|[a-z]+ abstract)\)", re.I)
_LANGUAGES = (
    "chinese|english|french|german|spanish|italian|japanese|russian|portuguese|dutch|polish|czech|"
    "hungarian|turkish|korean|swedish|danish|norwegian|finnish|hebrew|croatian|serbian|slovak|"
    "persian|arabic|greek|romanian|ukrainian|bulgarian|lithuanian|slovenian|estonian|latvian"
)
_TRAILING_LANG = re.compile(rf"[\s.,;:(]*\b(?:{_LANGUAGES})\)?\.?\s*$", re.I)
_ROMAN = {"i": "1", "ii": "2", "iii": "3", "iv": "4", "v": "5", "vi": "6", "vii": "7", "viii": "8", "ix": "9", "x": "10"}
_NUMBER_CONTEXT = {"part", "phase", "type", "study", "trial", "stage", "grade", "class", "volume", "vol", "step"}


def ascii_fold(text: str) -> str:
    """Lower-case ASCII with accents removed and a few letters spelled out (α -> alpha, ß -> ss)."""
    text = text.lower()
    if not text.isascii():
        text = _GREEK_RE.sub(lambda m: _GREEK[m.group(0)], text)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    return text


def _clean(value: object) -> str:
    if value is None:
        return ""
    text = str(value)
    if "<" in text or "&" in text:
        text = decode_html(text)
    if "\\" in text or "{" in text or "$" in text:
        text = decode_latex(text)
    return text


_PLACEHOLDERS = {"#NAME?", "UNKNOWN", "NA", "N/A", "[NO TITLE]", "NO TITLE", "[UNTITLED]"}


def title_words(value: object) -> list[str]:
    """Title as lower-case ASCII words, without database notes, markup and trailing language tags."""
    text = _clean(value).strip()
    if not text or text.upper() in _PLACEHOLDERS:
        return []
    if text[0] == '"' and text[-1] == '"' and len(text) > 2:  # CSV quoting left in the value: '"A ""b"" c"'
        text = text[1:-1].replace('""', '"').strip()
    if "-" in text or "[" in text:  # radiolabels: "[11C]", "C-11", "[18F]" and "F-18" all read "11c", "18f"
        text = _ISOTOPE_DASH.sub(r"\2\1", _ISOTOPE_BRACKET.sub(r" \1\2 ", text))
    # A title wholly in brackets is a MEDLINE translated title: keep its content (after dropping
    # short notes that follow it: "[Cognitive disorders ...]. [Russian]").
    stripped = text.strip(" .")
    while (note := _TRAILING_NOTE.search(stripped)) and stripped[: note.start()].strip(" ."):
        stripped = stripped[: note.start()].strip(" .")
    if stripped.startswith("[") and stripped.endswith("]") and stripped.count("[") == 1:
        text = stripped[1:-1]
    else:
        kept = _OPEN_NOTE.sub(" ", _BRACKETED.sub(" ", text))  # a note cut off by the export: "... .[Erratum appears in Arch"
        text = kept if _WORD.search(ascii_fold(kept)) else text  # never a title made empty by removing notes
    text = _TRAILING_LANG.sub("", text) if len(text) > 40 else text
    text = _THOUSANDS.sub(r"\1\2", text)  # "10 000 women" = "10000 women"
    if "(" in text:
        text = _GLUED_PAREN.sub(r"\1\2", text)  # "5-HT(2)A" = "5-HT2A", "CRF(1)" = "CRF1" (MEDLINE vs Embase)
    return _WORD.findall(ascii_fold(text))


# A short parenthesised index glued to a word: receptor and isotope names ("5-HT(1A)", "D(2/3)").
_GLUED_PAREN = re.compile(r"(?<=[A-Za-z0-9])\(([A-Za-z0-9]{1,3}(?:/[A-Za-z0-9]{1,3})?)\)([A-Za-z]?)(?![A-Za-z])")
# Radiolabels, written "[11C]" by MEDLINE and "C-11" by Web of Science.
_ELEMENTS = "C|F|N|O|I|Br|Cu|Ga|Zr|Tc|In|Rb|Xe|Tl|Lu|Y"
_ISOTOPE_BRACKET = re.compile(rf"\[(\d{{1,3}}m?)({_ELEMENTS})\]")
_ISOTOPE_DASH = re.compile(rf"\b({_ELEMENTS})-(\d{{1,3}}m?)\b")
# A short bracketed note ending a title ("[Russian]", "[Review]", "[33 refs]").
_TRAILING_NOTE = re.compile(r"\s*\[[^\[\]]{0,40}\]$")
# A bracketed note left open at the end of a (truncated) title.
_OPEN_NOTE = re.compile(r"\[[^\[\]]*$")
# Digit groups: "10 000", "10,000", "10 000" (thin or no-break space).
_THOUSANDS = re.compile(r"(\d)[ ,\u00a0\u2009\u202f](\d{3})(?!\d)")
# MEDLINE notes that name *other* items about this one ("[Erratum appears in ...]", "[Comment in: ...]",
# "[Retraction in ...]"): the record is the original article, not an erratum or comment.
_ABOUT_NOTE = re.compile(r"\[\s*(?:published\s+)?(?:erratum|comment|retraction|retracted|reply|update|corrected)\w*\s+(?:appears\s+in|in)\b[^\]]*(?:\]|$)", re.I)


def title_numbers(words: list[str]) -> str:
    """The numbers a title names ("part II", "phase 3", "2019"), sorted; differing numbers veto a merge."""
    found: set[str] = set()
    for k, word in enumerate(words):
        if word.isdigit():
            found.add(str(int(word)) if len(word) < 6 else word)
        elif word in _ROMAN and k > 0 and words[k - 1] in _NUMBER_CONTEXT:
            found.add(_ROMAN[word])
    return " ".join(sorted(found))


# Kinds of publication that share title, authors and even pages with the paper they concern.
# (pattern at the start of the title, pattern anywhere in it)
_KIND_PATTERNS = (
    ("erratum", re.compile(r"^(errat\w*|corrigend\w*|correction|corrections|addendum|notice of correction)\b"),
     re.compile(r"\b(erratum|errata|corrigendum|correction to|correction notice)\b")),
    ("retraction", re.compile(r"^(retraction|retracted|withdrawn|expression of concern|notice of retraction)\b"),
     re.compile(r"\b(retracted article|retraction note|retraction notice)\b")),
    ("reply", re.compile(r"^(reply|replies|response|in reply|in response|authors? reply|author s reply|rebuttal)\b"),
     re.compile(r"\b(reply to|authors? reply|author s reply|in reply to|response to comment\w*)\b")),
    ("comment", re.compile(r"^(comment|comments|commentary|re|letter to the editor|letter)\b"),
     re.compile(r"\b(letter to the editor|commentary on)\b")),
    ("editorial", re.compile(r"^(editorial|editor s note|editors note|preface|foreword|introduction to the (mini ?track|special issue))\b"),
     re.compile(r"\b(editorial|editor s comments?|editors comments?|editor s introduction|remarks from|"
                r"introduction to the (minitrack|mini track|special issue))\b")),
    ("protocol", None, re.compile(r"\bprotocol\b")),
    ("abstract", re.compile(r"^(abstracts?|poster|posters)\b"), None),
)
_KIND_BITS = {name: 1 << k for k, (name, _, _) in enumerate(_KIND_PATTERNS)}
# Kinds whose titles are generic ("Erratum", "Reply"): two of them need matching bibliographic data.
GENERIC_KINDS = _KIND_BITS["erratum"] | _KIND_BITS["retraction"] | _KIND_BITS["reply"] | _KIND_BITS["comment"] | _KIND_BITS["editorial"]


# MEDLINE appends the kind in brackets: "[Comment]", "[Erratum]", "Title [Reply]".
_NOTE = re.compile(r"\[\s*(comment|reply|erratum|editorial|letter|retracted|retraction)")
_NOTE_KIND = {"comment": "comment", "letter": "comment", "reply": "reply", "erratum": "erratum",
              "editorial": "editorial", "retracted": "retraction", "retraction": "retraction"}


def title_kind(raw_title: object) -> int:
    """Bitmask of publication kinds a title names (erratum, reply, comment, editorial, ...).

    Looks at the title with its bracketed notes ("[Comment]", "[Erratum]") still in.
    """
    raw = ascii_fold(_ABOUT_NOTE.sub(" ", _clean(raw_title)))
    text = " ".join(_WORD.findall(raw))
    mask = 0
    for note in _NOTE.findall(raw):
        mask |= _KIND_BITS[_NOTE_KIND[note]]
    for name, at_start, anywhere in _KIND_PATTERNS:
        if (at_start is not None and at_start.search(text)) or (anywhere is not None and anywhere.search(text)):
            mask |= _KIND_BITS[name]
    return mask


def kind_names(mask: int) -> list[str]:
    return [name for name, bit in _KIND_BITS.items() if mask & bit]


_PARTICLES = {"van", "von", "de", "der", "den", "del", "della", "da", "di", "du", "le", "la", "dos", "das", "ter", "ten", "zu", "op"}
_GLUED = re.compile(r"^([^\W\d_][^\W\d_'’\-]*(?:[\-'’][^\W\d_]+)*?)((?:[A-Z]\.?-?){1,4})$")  # FeldmanG.M., ChenJ.-L.
# A corporate author: a study group, consortium, committee.
_GROUP = re.compile(r"\b(group|groups|study|consortium|collaborat\w*|committee|investigators|trialists|network|"
                    r"task force|working party|writing|society|association|organi[sz]ation)\b", re.I)
# A page field holding only an article number: a letter (not S, a supplement page) and digits.
_LOCATOR = re.compile(r"^\s*[a-rt-z]\d{3,}\s*$", re.I)
_INITIALS = re.compile(r"^(?:[A-Z]\.?-?){1,4}$")
# "Jr.", "Sr.", "II"-"IV" as a word, before glued initials ("IIIH.E.") or glued to a family name ("BarryIII").
_SUFFIX = re.compile(r"(?:^|(?<=[\s,]))(?:Jr|Sr|II|III|IV)\.?(?=$|[\s,]|[A-Z][a-z.])|(?<=[a-z])(?:III|II|IV|Jr)\.?(?=$|[\s,]|[A-Z]\.)"
                     r"|(?<=\.)(?:III|II|IV|Jr)\.?$")


def author_key(name: object) -> tuple[str, str]:
    """One author in any form -> (family name as ASCII letters, first initial).

    Handles "Family, Given", "Zuna, R E", "Smith JA", "John A. Smith", "FeldmanG.M.", "van der Berg, A".
    """
    text = " ".join(_clean(name).split()).strip(" ;,.")
    if not text:
        return "", ""
    if "I" in text or "J" in text or "S" in text:  # generational suffixes, glued or not: "IIIH.E.", "BarryIII", "Jr.Buckley"
        text = _SUFFIX.sub("", text).strip(" ;,.") or text
    if "," in text:
        family, given = (p.strip() for p in text.split(",", 1))
        if _INITIALS.match(family) and given and not _INITIALS.match(given.replace(" ", "")):
            family, given = given, family  # Embase's "H.E., Covington"
    else:
        glued = _GLUED.match(text.replace(" ", "")) if len(text.split()) == 1 else None
        tokens = text.split()
        if glued and glued.group(2):
            family, given = glued.group(1), glued.group(2)
        elif len(tokens) == 1:
            family, given = tokens[0], ""
        elif _INITIALS.match(tokens[-1]) and not _INITIALS.match(tokens[0]):
            family, given = " ".join(tokens[:-1]), tokens[-1]
        else:
            cut = len(tokens) - 1
            while cut > 1 and tokens[cut - 1].lower() in _PARTICLES:
                cut -= 1
            family, given = " ".join(tokens[cut:]), " ".join(tokens[:cut])
    if not family and given:
        family, given = given, ""
    # "FeldmanG.M." stored as one family name by a reader: split the glued initials off.
    glued = _GLUED.match(family) if " " not in family else None
    if glued and glued.group(2) and not given and len(glued.group(1)) > 1:
        family, given = glued.group(1), glued.group(2)
    fam_words = [w for w in _WORD.findall(ascii_fold(family)) if w not in _PARTICLES] or _WORD.findall(ascii_fold(family))
    fam = "".join(fam_words)
    initial = next(iter(_WORD.findall(ascii_fold(given))), "")[:1]
    return fam, initial


def parse_authors(value: object) -> list[str]:
    """The store's JSON author list (or a plain `A and B` / `A; B` string) as a list of names."""
    if value is None:
        return []
    if isinstance(value, list):
        return [str(v) for v in value if v]
    text = str(value).strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
            return [str(v) for v in data if v] if isinstance(data, list) else []
        except ValueError:
            pass
    if not text:
        return []
    parts = re.split(r"\s+and\s+|;", text)
    return [p for p in (part.strip() for part in parts) if p]


# "Adingupu D. D.Gronros J.Heinonen S." : several authors glued into one name by an export.
_GLUED_LIST = re.compile(r"(?<=[A-Z]\.)(?=[A-Z][a-z])")


def split_glued(names: list[str]) -> list[str]:
    if len(names) != 1 or not _GLUED_LIST.search(names[0]):
        return names
    parts = [p.strip(" ,") for p in _GLUED_LIST.split(names[0])]
    return [p for p in parts if p] if len(parts) > 1 and all(" " in p or "." in p for p in parts) else names


_JOURNAL_STOP = {"the", "of", "and", "in", "for", "on", "de", "la", "le", "der", "und", "a", "an", "j", "journal"}
_CONFERENCE = re.compile(r"\b(conference|conf|proceedings|proc|symposium|symp|workshop|congress|meeting|annual|hicss|amcis|ecis|icis|pacis)\b")


# Embase names a journal supplement's meeting: "Circulation. Conference: American Heart Association".
_MEETING = re.compile(r"\.\s*(conference|congress|meeting)\b.*$", re.I | re.S)


_CITED = re.compile(r"\.\s*(\d+)\s*(?:\(([^()]*)\)\s*)?\(\)\s*\(pp\s*([^)]*)\)")
# Embase via Ovid puts the whole citation into the source field:
# "Journal of Neurochemistry.121 (3) ()(pp 436-444) 2012.Date of Publication: May 2012."
_CITATION_TAIL = re.compile(r"\.?\s*[\dA-Z]*\s*(?:\([^()]*\)\s*)*\(\)\s*\(pp\b.*$|\.\s*Date of Publication:.*$", re.S)


def journal_words(value: object) -> list[str]:
    text = _clean(value)
    if "()(pp" in text or "Date of Publication" in text:
        text = _CITATION_TAIL.sub("", text)
    text = ascii_fold(_MEETING.sub("", text)).replace("&", " and ")
    text = re.sub(r"\([^)]*\)", " ", text)  # "(London, England)", "(Print)"
    return _WORD.findall(text)


def journal_key(value: object) -> str:
    """Journal words without stop words, space-joined ("J Am Coll Cardiol" -> "am coll cardiol")."""
    words = journal_words(value)
    kept = [w for w in words if w not in _JOURNAL_STOP]
    return " ".join(kept or words)


def is_meeting_supplement(journal: object) -> bool:
    """Embase's "Journal. Conference: Meeting name ...": an abstract printed in a journal supplement."""
    return bool(journal) and bool(_MEETING.search(_clean(journal)))


def is_conference(type_: object, journal: object) -> bool:
    if type_ in ("inproceedings", "proceedings", "conference"):
        return True
    return bool(journal) and bool(_CONFERENCE.search(" ".join(journal_words(journal))))


def journal_abbreviates(short: str, full: str) -> bool:
    """True when each word of `short` starts a word of `full`, in order ("am coll cardiol")."""
    s_words, f_words = short.split(), full.split()
    if not s_words or not f_words or len(s_words) > len(f_words):
        return False
    k = 0
    for word in s_words:
        while k < len(f_words) and not f_words[k].startswith(word):
            k += 1
        if k == len(f_words):
            return False
        k += 1
    return True


_MONTHS = re.compile(r"[a-z]{3}", re.I)
_PAGE_TOKEN = re.compile(r"([a-z]{0,2})(\d+)", re.I)


_ROMAN_PAGE = re.compile(r"[ivxlc]+")
_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}


def _roman_value(text: str) -> int:
    total = 0
    for k, ch in enumerate(text):
        value = _ROMAN_VALUES[ch]
        total += -value if k + 1 < len(text) and _ROMAN_VALUES[text[k + 1]] > value else value
    return total


def pages_range(value: object) -> tuple[str, str]:
    """("1234", "1256") from "1234-56", "pp. 1234--1256", "e1234"; ("", "") when no page number."""
    text = _clean(value).strip().lower()
    if not text:
        return "", ""
    text = re.sub(r"^(pp?\.?|pages?)\s*", "", text)
    parts = re.split(r"\s*(?:--|-|–|—|to)\s*", text, maxsplit=1)
    if _ROMAN_PAGE.fullmatch(parts[0].strip()):  # front matter: "xiii-xv"
        start = "r" + str(_roman_value(parts[0].strip()))
        end = "r" + str(_roman_value(parts[1].strip())) if len(parts) > 1 and _ROMAN_PAGE.fullmatch(parts[1].strip()) else ""
        return start, end
    first = _PAGE_TOKEN.match(parts[0].strip())
    if not first or (len(parts) > 1 and _MONTHS.fullmatch(parts[1].strip()[:3] or "") and not parts[1].strip()[:1].isdigit()):
        return "", ""  # "08-Nov": an Excel date, not pages
    # The letter prefix ("e0137960", "S530") is dropped: databases disagree about keeping it.
    prefix, start = "", first.group(2).lstrip("0") or "0"
    end = ""
    if len(parts) > 1:
        last = _PAGE_TOKEN.match(parts[1].strip())
        if last:
            end = last.group(2).lstrip("0") or "0"
            if len(end) < len(start):
                end = start[: len(start) - len(end)] + end
    return prefix + start, (prefix + end) if end else ""


def first_number(value: object) -> str:
    """First number in a volume/issue field ("38", "Suppl 2" -> "2"), or ""."""
    match = re.search(r"\d+", _clean(value))
    return match.group(0).lstrip("0") or "0" if match else ""


def doi_key(value: object) -> str:
    text = str(value or "").strip().lower()
    match = re.search(r"10\.\d{4,9}/\S+", text)
    if not match:
        return ""
    return LANDING_SUFFIX.sub("", match.group(0).rstrip(".,;)]}"))


@dataclass(slots=True)
class Keys:
    """Everything a record is compared on."""

    title: str          # space-joined title words
    title_key: str      # title words joined without spaces (exact-title blocking)
    numbers: str        # numbers named in the title
    digits: str         # every digit run of the title with spaces removed ("HPV16/18" = "HPV 16/18")
    kind: int           # title_kind bitmask
    authors: str        # family names, space-joined, in order (first 8)
    first_author: str
    initials: str       # family+initial of the first author
    n_authors: int
    name_tokens: str    # per author all name words, "|"-separated (for given/family swaps)
    name_signs: str     # per author the first letters of family name and given name ("Tong, H" -> "th")
    journal: str
    conference: bool
    meeting: bool       # a meeting abstract in a journal supplement (Embase "X. Conference: ...")
    year: int
    volume: str
    issue: str
    page_start: str
    page_end: str
    page_locator: bool  # the page is an article number ("a1754", "e0137960"), not a printed page
    doi: str
    abstract: str       # first 300 characters, folded


def record_keys(title: object, authors: object, year: object, journal: object, volume: object,
                issue: object, pages: object, doi: object, abstract: object, type_: object) -> Keys:
    """The comparison keys of one record from its store columns."""
    words = title_words(title)
    raw_names = split_glued(parse_authors(authors))[:8]
    names = [author_key(a) for a in raw_names]
    # Group authors ("ALTS Group", "Mass Cervical Cancer Screening Regimen Group") are not compared:
    # databases list them, drop them or put a chair in their place.
    kept = [k for k, n in enumerate(names) if n[0] and n[0] not in ("anonymous", "anon") and not _GROUP.search(raw_names[k])]
    tokens = "|".join(" ".join(_name_tokens(raw_names[k]) | {names[k][0]}) for k in kept)
    names = [names[k] for k in kept]
    families = [n[0] for n in names]
    start, end = pages_range(pages)
    try:
        year_int = int(float(year)) if year not in (None, "") else 0
    except (TypeError, ValueError, OverflowError):
        year_int = 0
    if not 1500 <= year_int <= 2100:
        year_int = 0
    if start == str(year_int) and not end:
        start = ""  # the year exported into the page field
    if not volume and journal and "()(pp" in str(journal):
        # Embase via Ovid: "Behavioural Brain Research.294 (3) ()(pp 81-88) 2015." holds volume and issue.
        cited = _CITED.search(str(journal))
        if cited:
            volume, issue = cited.group(1), issue or cited.group(2)
            if not start:
                start, end = pages_range(cited.group(3))
    abstract_text = " ".join(_WORD.findall(ascii_fold(_clean(abstract)[:400])))[:300]
    return Keys(
        title=" ".join(words),
        title_key="".join(words),
        numbers=title_numbers(words),
        digits=" ".join(re.findall(r"\d+", "".join(words))),
        kind=title_kind(title),
        authors=" ".join(families),
        first_author=families[0] if families else "",
        initials=(names[0][0] + names[0][1]) if names else "",
        n_authors=len(families),
        name_tokens=tokens,
        name_signs=" ".join((n[0][:1] + (n[1] or "_")) for n in names),
        journal=journal_key(journal),
        conference=is_conference(type_, journal),
        meeting=is_meeting_supplement(journal),
        year=year_int,
        volume=first_number(volume),
        issue=first_number(issue),
        page_start=start,
        page_end=end,
        page_locator=bool(_LOCATOR.match(_clean(pages))),
        doi=doi_key(doi),
        abstract=abstract_text,
    )


def _name_tokens(name: str) -> set[str]:
    """Every word of a name, and each comma-separated part joined ("William, O'Brochta" -> obrochta)."""
    text = ascii_fold(_clean(name))
    words = {w for w in _WORD.findall(text) if len(w) > 1 and w != "null"}
    for part in text.split(","):
        joined = "".join(_WORD.findall(part))
        if len(joined) > 1:
            words.add(joined)
    return words


def swapped_authors_score(x_tokens: str, y_tokens: str, x_families: str, y_families: str,
                          x_signs: str = "", y_signs: str = "") -> float:
    """Share of author positions where one side's family name is any name word of the other.

    Catches exports that swapped given and family names ("Ching-yi, Wu" vs "Wu, C. Y.").
    """
    xs, ys = x_tokens.split("|"), y_tokens.split("|")
    xf, yf = x_families.split(), y_families.split()
    m = min(len(xs), len(ys), len(xf), len(yf))
    if not m:
        return 0.0
    xg, yg = x_signs.split(), y_signs.split()
    hits = 0
    for k in range(m):
        if yf[k] in xs[k].split() or xf[k] in ys[k].split():
            hits += 1
        elif k < len(xg) and k < len(yg) and "_" not in xg[k] + yg[k] and xg[k] == yg[k][::-1]:
            hits += 1  # "Tong, H" vs "Hua, T": Chinese names given and family the other way round
    return hits / m
