"""Text cleaning shared by readers, normalisers and the terminal views.

`plain()` turns what databases put in a field (LaTeX, HTML entities and tags, odd whitespace) into
plain Unicode. `safe()` makes record text safe to put on a terminal: control characters (including
escape sequences) are removed; rich markup is escaped by the callers through `rich.text.Text`.
"""

from __future__ import annotations

import html
import re
import unicodedata

_CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9:-]*(?:\s+[^<>]*?)?/?>")
_WS = re.compile(r"\s+")

# LaTeX accent commands and symbols seen in BibTeX exports. Only used when a field holds a backslash
# or braces, so plain fields cost nothing (pylatexenc-style decoding of every field is ~50x slower).
_ACCENTS = {
    "'": "\u0301", "`": "\u0300", "^": "\u0302", '"': "\u0308", "~": "\u0303", "=": "\u0304",
    ".": "\u0307", "u": "\u0306", "v": "\u030c", "H": "\u030b", "c": "\u0327", "k": "\u0328",
    "r": "\u030a", "d": "\u0323", "b": "\u0331",
}
_SYMBOLS = {
    "ss": "ß", "ae": "æ", "AE": "Æ", "oe": "œ", "OE": "Œ", "o": "ø", "O": "Ø", "aa": "å", "AA": "Å",
    "l": "ł", "L": "Ł", "i": "ı", "j": "ȷ", "dh": "ð", "DH": "Ð", "th": "þ", "TH": "Þ",
    "textendash": "–", "textemdash": "—", "textquoteright": "’", "textquoteleft": "‘",
    "textquotedblleft": "“", "textquotedblright": "”", "textregistered": "®", "texttrademark": "™",
    "textcopyright": "©", "textdegree": "°", "textasciitilde": "~", "textbackslash": "\\",
    "textasciicircum": "^", "textbraceleft": "{", "textbraceright": "}",
    "S": "§", "P": "¶", "dag": "†", "ddag": "‡", "pounds": "£", "euro": "€", "textmu": "µ",
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "pi": "π", "sigma": "σ", "tau": "τ", "omega": "ω", "chi": "χ",
    "times": "×", "pm": "±", "leq": "≤", "geq": "≥", "le": "≤", "ge": "≥", "approx": "≈",
    "ldots": "…", "dots": "…", "textellipsis": "…", "&": "&", "%": "%", "$": "$", "#": "#", "_": "_",
    "{": "{", "}": "}", "textunderscore": "_", "textbar": "|", "textless": "<", "textgreater": ">",
}
_ACCENT_RE = re.compile(r"\\([`'^\"~=.uvHckrdb])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_SYMBOL_RE = re.compile(r"\\(?:([A-Za-z]+)(?![A-Za-z])\s?|([&%$#_{}]))(?:\{\})?")
_SWITCH_RE = re.compile(r"\\(?:sc|bf|it|em|tt|rm|sf|sl|scshape|bfseries|itshape|upshape|mdseries|normalfont)(?![A-Za-z])\s*")
_FONT_RE = re.compile(r"\\(?:text(?:it|bf|sc|tt|rm|sf|up|sl|normal)|emph|mathrm|mathit|mathbf|textsuperscript|textsubscript|url|href\{[^{}]*\})\s*\{")


def _accent(match: re.Match[str]) -> str:
    cmd, braced, bare = match.group(1), match.group(2), match.group(3)
    base = braced or bare or ""
    if base in ("\\i", "\\j"):
        base = base[1]
    return unicodedata.normalize("NFC", base.lstrip("\\") + _ACCENTS[cmd])


def _symbol(match: re.Match[str]) -> str:
    name = match.group(1) or match.group(2)
    return _SYMBOLS.get(name, match.group(0))


def decode_latex(value: str) -> str:
    """Decode the LaTeX commonly found in bibliographic fields into Unicode; idempotent on plain text."""
    if "\\" not in value and "{" not in value and "$" not in value and "~" not in value and "--" not in value:
        return value
    out = _FONT_RE.sub("{", value)
    if "\\" in out:  # old-style font switches `{\sc CONNIVER}`, `{\bf x}`: drop the switch
        out = _SWITCH_RE.sub("", out)
    out = _ACCENT_RE.sub(_accent, out)
    # Math and ties before symbols, so that escaped `\$` and `\textasciitilde{}` stay literal.
    if "$" in out:
        out = re.sub(r"(?<!\\)\$((?:[^$\\]|\\.)*)(?<!\\)\$", r"\1", out)
    out = re.sub(r"(?<!\\)~", " ", out)
    out = _SYMBOL_RE.sub(_symbol, out)
    out = out.replace("---", "—").replace("--", "–")
    out = out.replace("{", "").replace("}", "")
    out = re.sub(r"\\([A-Za-z]+)", r"\1", out)
    return out


_R_ESCAPE = re.compile(r"<U\+([0-9A-Fa-f]{4,6})>")


def decode_html(value: str) -> str:
    """Remove HTML/XML/JATS tags and decode entities (`&amp;`, `&#x2013;`)."""
    if "<" in value:
        if "<U+" in value:  # R's escapes for characters outside the locale: "677 C<U+2192>T"
            value = _R_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
        value = re.sub(r"<br\s*/?>|</p>", " ", value, flags=re.I)
        value = _TAG.sub("", value)
    if "&" in value:
        value = html.unescape(value)
    return value


def strip_control(value: str) -> str:
    """Remove terminal escape sequences and control characters (tabs and newlines become spaces)."""
    return _CONTROL.sub("", value.replace("\t", " ").replace("\r\n", "\n").replace("\r", "\n"))


def squash(value: str) -> str:
    return _WS.sub(" ", value).strip()


# UTF-8 read as Latin-1/Windows-1252 ("OliÃ©", "â€™", "MarchÂ 26"): a lead byte of a two- or
# three-byte UTF-8 sequence shown as Ã/Â/â/Ä/Å/Ð followed by a continuation byte (0x80-0xBF, in
# Latin-1 or as its Windows-1252 character).
_MOJIBAKE = re.compile("[\u00c2-\u00c5\u00d0\u00e2][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e"
                       "\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]")


def fix_mojibake(value: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1 or Windows-1252 (a whole value at a time); values
    that do not turn into valid UTF-8 that way are returned unchanged."""
    if not _MOJIBAKE.search(value):
        return value
    data = bytearray()
    for ch in value:
        code = ord(ch)
        if code < 256:
            data.append(code)
        else:
            try:
                data += ch.encode("cp1252")
            except UnicodeEncodeError:
                return value
    try:
        fixed = data.decode("utf-8")
    except UnicodeDecodeError:
        return value
    return fixed


def plain(value: object, *, latex: bool = False) -> str | None:
    """Normalise one field to plain Unicode on one line; None for empty values.

    Runs for every field of every imported record, so each step is guarded by a cheap C-level
    check (`isprintable`, `is_normalized`, `in`) and only pays for a regex when it has work to do.
    """
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    if not text.isascii() and _MOJIBAKE.search(text):
        text = fix_mojibake(text)
    if latex:
        text = decode_latex(text)
    if "<" in text or "&" in text:
        text = decode_html(text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    text = " ".join(text.split())
    if not text.isprintable():
        text = " ".join(_CONTROL.sub("", text).split())
    return text or None


def safe(value: object, limit: int | None = None) -> str:
    """Text from a record made safe for the terminal (no control characters), optionally shortened."""
    if value is None:
        return ""
    text = strip_control(str(value))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text
