"""French typography, applied once to every document the portal issues (and usable by pages).

Two entry points:

- ``french_text(text)``: a pure function on plain text. Narrow no-break space (U+202F) before ``; ! ?``
  and inside « »; no-break space (U+00A0) before ``:``, between a number and € or %, after « n° » and a
  civility, and between the thousand groups of a number; curly apostrophe (’) between letters;
  « 1er janvier », « 2e », « 1re ». URLs, e-mail addresses and hexadecimal fingerprints are left exactly
  as they are. Idempotent: applying it twice gives the same text.
- ``french_html(html)``: the same rules on the text nodes of an HTML document, never on tags or
  attributes, and never inside ``<script>``, ``<style>``, ``<pre>``, ``<code>``, ``<svg>``, ``<head>``…
  nor inside elements marked ``class="hash"``, ``"mono"``, ``"url"`` or ``translate="no"``. It also
  writes ordinals in superscript (``1<sup>er</sup>``), marks proper names so that the print stylesheet
  does not hyphenate them (``<span class="proper-name">``, see below), and lets fingerprints and URLs
  wrap only at chosen points (a zero width space, U+200B, every 16 hexadecimal digits, after a ``/`` and
  before ``?``, ``&``, ``#`` of a URL; the pieces of a URL holding a hyphen kept whole).

Why proper names are marked here rather than in each template: names reach the documents from many
places (legal wording, Markdown articles written by agents, tables, audit lines), and WeasyPrint
hyphenates with a French dictionary that happily splits « Ca-hors » or « Marous-seau ». A run of
words starting with a capital (« Grand Cahors », « Jean-Marc Vayssouze ») of which one is long enough
to be hyphenated (or holds a hyphen) is wrapped in one ``<span class="proper-name">``, and the print
stylesheet gives it ``hyphens: manual``; a hyphen inside a name is followed by a word joiner (U+2060),
so that « Jean-Marc » or « CTG-GRAND-CAHORS-2020 » stays on one line. A sentence's first word is spared
hyphenation too: a small price. Soft hyphens inserted in common words would have done the opposite
job, but WeasyPrint tries every soft hyphen of the rest of a paragraph at each line break, which is
quadratic on long texts.

Why characters and runs rather than an element per name: every element is a box WeasyPrint styles,
splits and draws, and the signed convention carried 260 name spans (19 of them nowrap) and 81 ``<wbr>``
(each a box and a generated text box: WeasyPrint writes ``wbr::before { content: "\\200B" }``): 6 % more
of WeasyPrint's work than the same HTML without them (bench/README.md). The zero width space is what ``<wbr>``
draws, and the word joiner forbids the break after a hyphen as ``nowrap`` did; neither leaves a trace
in the text that pdftotext reads back (tests/documents/test_pdf_typography.py). Blocks the stylesheet
never hyphenates (tables, headings, signature blocks, lists of parties: ``_UNHYPHENATED_TAGS`` and
``_UNHYPHENATED_CLASSES``) need no span at all; outside tables, their compound names still get their
word joiners.

The HTML is read with the standard library's ``html.parser`` and written back token by token: tags,
attributes, comments and declarations are copied verbatim, only text changes. (tinyhtml5, WeasyPrint's
parser, builds a tree but has no serialiser, and ElementTree's would rename the SVG charts' namespace.)
"""

import functools
import re
from html import escape
from html.parser import HTMLParser

import pyphen

NBSP = "\u00a0"  # no-break space: before « : », between a number and its unit, inside numbers
NNBSP = "\u202f"  # narrow no-break space: before « ; ! ? », inside « »
WORD_JOINER = "\u2060"  # no break here: after the hyphen of a compound name
ZERO_WIDTH_SPACE = "\u200b"  # a break allowed here, nothing drawn: what <wbr> draws in WeasyPrint

# Horizontal spaces only: a line break in a « pre-line » block is kept.
_SPACES = "[ \t\u00a0\u202f\u2009]"

MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"

# What is never touched: URLs, e-mail addresses, hexadecimal fingerprints (16 digits or more).
# (A URL ends at a zero width space: the break points this module wrote, met again on a second pass.)
_URL = r"(?:https?://|www\.)[^\s<>«»\"\u200b]+[^\s<>«»\".,;:!?)\]\u200b]"
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_HEX = r"\b[0-9a-fA-F]{16,}\b"
_FILE_EXTENSIONS = (".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".csv", ".xlsx", ".odt", ".ods", ".doc")
_FILE = r"[\w-]+(?:\.[\w-]+)*\.(?:pdf|png|jpe?g|tiff?|csv|xlsx|od[ts]|docx?)\b"
_PROTECTED = re.compile(f"({_URL}|{_EMAIL}|{_FILE}|{_HEX})")
_PROTECTED_HEX = re.compile(f"({_HEX})")  # when the text holds no « @ », « :// » nor « www. » (faster)
_URL_ONLY = re.compile(_URL)
_FILE_ONLY = re.compile(_FILE)
_HEX_ONLY = re.compile(r"[0-9a-fA-F]{32,}")
_MASK = "\ue000"  # a private-use character: no rule matches it

_LETTER = r"[^\W\d_]"
_DIGITS = tuple("0123456789")
# Each rule: the substrings one of which the text must hold for the rule to apply (a cheap test that
# spares most text nodes most regular expressions), its pattern, its replacement.
_RULES = [
    # Apostrophe between two letters: l’enfant, aujourd’hui.
    (("'",), re.compile(rf"(?<={_LETTER})'(?={_LETTER})"), "’"),
    # « 1 janvier » is « 1er janvier »; « 1ère », « 2ème » are « 1re », « 2e ».
    (("1",), re.compile(rf"(?<![\w,.])1{_SPACES}+(?=(?:{MONTHS})\b)"), "1er "),
    (("1èr", "1er"), re.compile(r"(?<![\w,.])1(?:ère|ere)\b"), "1re"),
    (("me",), re.compile(r"(?<![\w,.])(\d+)(?:ème|eme|ième)(s?)\b"), r"\1e\2"),
    # Guillemets: a narrow no-break space inside, whatever was there (or nothing).
    (("«",), re.compile(r"«\s*"), "«" + NNBSP),
    (("»",), re.compile(r"\s*»"), NNBSP + "»"),
    # Before ; ! ? a narrow no-break space, before : a no-break space: replacing a space, or added
    # after a word (« Source: » → « Source : »), never inside « 14:30 » or « ?! ».
    ((";", "!", "?"), re.compile(rf"(?<=\S){_SPACES}+(?=[;!?])"), NNBSP),
    ((";", "!", "?"), re.compile(r"(?<=[\w)\]»’%€])(?=[;!?]+(?:\s|$|[)\]»]))"), NNBSP),
    ((":",), re.compile(rf"(?<=\S){_SPACES}+(?=:)"), NBSP),
    ((":",), re.compile(r"(?<=[^\W\d_)\]»])(?=:(?:\s|$))"), NBSP),
    # A number and its unit: « 12 € », « 3,5 % », « 2 k€ ».
    (("€", "%"), re.compile(rf"(?<=\d){_SPACES}?(?=(?:k|M|Md)?€|%(?!\())"), NBSP),
    # Thousand groups written with a plain or narrow space: « 12 345 ».
    (
        _DIGITS,
        re.compile(rf"(?<![\d,.])(?<!\d{_SPACES})\d{{1,3}}(?:{_SPACES}\d{{3}})+(?![\d])"),
        lambda m: re.sub(_SPACES, NBSP, m.group(0)),
    ),
    # An amount in euros without them: « 1500 € » → « 1 500 € ».
    (
        ("€",),
        re.compile(rf"(?<![\d,.\u00a0])\d{{4,}}(?=(?:,\d+)?{NBSP}(?:k|M|Md)?€)"),
        lambda m: f"{int(m.group(0)):,}".replace(",", NBSP),
    ),
    # « n° 12 », « M. Dupont », « Mme Prunet »: never apart.
    (
        ("°", "§", "M", "Dr"),
        re.compile(rf"(?<!\w)(n°|N°|§|M\.|MM\.|Mme|Mmes|Mlle|Me|Dr){_SPACES}+(?=\w)"),
        rf"\1{NBSP}",
    ),
    (("°",), re.compile(r"(?<!\w)([nN]°)(?=\d)"), rf"\1{NBSP}"),  # « n°9 » → « n° 9 »
]


def _apply_rules(text: str) -> str:
    for triggers, pattern, replacement in _RULES:
        if any(trigger in text for trigger in triggers):
            text = pattern.sub(replacement, text)
    return text


def _may_hold_address(text: str) -> bool:
    """Whether ``text`` may hold a URL, an e-mail address or a file name (the full pattern is slower)."""
    return "@" in text or "://" in text or "www." in text or any(ext in text for ext in _FILE_EXTENSIONS)


def _protected_pattern(text: str) -> re.Pattern:
    return _PROTECTED if _may_hold_address(text) else _PROTECTED_HEX


def french_text(text: str) -> str:
    """``text`` with French typography (see the module's docstring); URLs, e-mails and hashes untouched."""
    if not text:
        return text
    pieces = _protected_pattern(text).split(text)  # one group: odd indexes are the protected pieces
    if len(pieces) == 1:
        return _apply_rules(text)
    if _MASK in text:  # cannot mask: each ordinary piece on its own
        return "".join(_apply_rules(piece) if index % 2 == 0 else piece for index, piece in enumerate(pieces))
    # Each protected piece stands as one opaque character while the rules run, so that what follows
    # a URL still sees it (« voir https://… : »), then comes back unchanged.
    masked = _apply_rules("".join(piece if index % 2 == 0 else _MASK for index, piece in enumerate(pieces)))
    protected = iter(pieces[1::2])
    return "".join(part if index == 0 else next(protected) + part for index, part in enumerate(masked.split(_MASK)))


# --- HTML ------------------------------------------------------------------------------------------

# Copied as they are, with everything inside them.
_VERBATIM_TAGS = frozenset(
    {"script", "style", "pre", "code", "kbd", "samp", "textarea", "svg", "math", "head", "title", "option"}
)
# Marked elements: no typography, but fingerprints and URLs get their chosen break points.
# (Its own marks too, so that a second pass changes nothing.)
_MARKED_CLASSES = frozenset({"hash", "mono", "url", "proper-name", "verbatim"})
_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
)
_RAW_TEXT_TAGS = frozenset({"script", "style"})

# Ordinals in superscript: 1er, 1re, 2e, 2d, 3es, XXIe.
_ORDINAL = r"(?<![\w.,])(?:\d{1,4}|[IVX]{2,})(?P<suffix>ers?|res?|es?|nde?s?|ds?)(?![\w])"
# Proper names: capitalised words (with their hyphens, and the word joiners a first pass wrote after
# them), in runs separated by one space (« Grand Cahors »), an ordinal (« Le XXIe ») never joining a run.
_NAME = r"(?<![\w\-‑\u2060])[A-ZÀ-ÖØ-Þ][^\W_]*(?:[-‑]\u2060?[^\W_]+)*"
_NOT_ORDINAL = r"(?!(?:\d{1,4}|[IVX]{2,})(?:ers?|res?|es?|nde?s?|ds?)(?![\w]))"
_NAME_RUN = rf"{_NAME}(?:[ \u00a0]{_NOT_ORDINAL}{_NAME})*"
_MARKUP = re.compile(f"(?P<protected>{_URL}|{_EMAIL}|{_FILE}|{_HEX})|(?P<ordinal>{_ORDINAL})|(?P<name>{_NAME_RUN})")
_MARKUP_HEX = re.compile(f"(?P<protected>{_HEX})|(?P<ordinal>{_ORDINAL})|(?P<name>{_NAME_RUN})")
_NAME_SEPARATOR = re.compile("[ \u00a0]")
_NAME_HYPHEN = re.compile("([-‑])(?!\u2060)")
# WeasyPrint hyphenates with pyphen's French dictionary, 2 letters at least on each side, words of 5
# letters or more (hyphenate-limit-chars: auto): a name it cannot split needs no mark.
_DICTIONARY = pyphen.Pyphen(lang="fr", left=2, right=2)
_HYPHENATION_MINIMUM = 5
# Elements the print stylesheet never hyphenates (static/pdf/document.css): no mark needed inside.
_UNHYPHENATED_TAGS = frozenset({"table", "dl", "h1", "h2", "h3", "h4", "h5", "h6", "caption", "nav"})
# Elements of these classes neither (document.css): short lines full of names (signature blocks, lists
# of parties, chart titles). Their compound names still get their word joiners (a table's do not: a
# reference kept whole would widen its column).
_UNHYPHENATED_CLASSES = frozenset(
    {"signature-block", "closing-signatures", "preamble-parties", "cover-parties", "chart-title"}
)


@functools.lru_cache(maxsize=4096)
def _needs_name_mark(word: str) -> bool:
    """Whether WeasyPrint could break the proper name ``word``: at its hyphen, or by hyphenating it."""
    if "-" in word or "‑" in word:
        return True
    return len(word) >= _HYPHENATION_MINIMUM and bool(_DICTIONARY.positions(word))


def _run_needs_mark(names: str) -> bool:
    """Whether WeasyPrint could break one of the proper names of the run ``names``."""
    return any(_needs_name_mark(word) for word in _NAME_SEPARATOR.split(names))


def _joined(name: str) -> str:
    """``name`` with a word joiner after each of its hyphens: never broken there."""
    return _NAME_HYPHEN.sub(rf"\1{WORD_JOINER}", name)


def _url_markup(url: str) -> str:
    """A URL that wraps only after a ``/`` or before ``?``, ``&``, ``#``; a piece with a hyphen is kept whole."""
    pieces = re.split(r"(?<=[^/]/)(?!/)|(?=[?&#])", url)
    markup = []
    for piece in pieces:
        if not piece:
            continue
        text = escape(piece, quote=False)
        markup.append(f'<span class="nowrap">{text}</span>' if "-" in piece else text)
    return ZERO_WIDTH_SPACE.join(markup)


def _hash_markup(digits: str) -> str:
    return ZERO_WIDTH_SPACE.join(escape(digits[start : start + 16], quote=False) for start in range(0, len(digits), 16))


def breakpoints_markup(text: str) -> str:
    """``text`` escaped for HTML, its fingerprints and URLs given their chosen break points."""
    markup, position = [], 0
    for match in _protected_pattern(text).finditer(text):
        markup.append(escape(text[position : match.start()], quote=False))
        found = match.group(0)
        if _URL_ONLY.fullmatch(found):
            markup.append(_url_markup(found))
        elif _FILE_ONLY.fullmatch(found) or "@" in found:
            markup.append(f'<span class="nowrap">{escape(found, quote=False)}</span>')
        elif _HEX_ONLY.fullmatch(found):
            markup.append(_hash_markup(found))
        else:
            markup.append(escape(found, quote=False))
        position = match.end()
    markup.append(escape(text[position:], quote=False))
    return "".join(markup)


# What the HTML pass does to proper names, by where the text is.
MARK_NAMES = "mark"  # hyphenated text: a span per run of names that could be broken, word joiners
JOIN_NAMES = "join"  # a block never hyphenated (_UNHYPHENATED_CLASSES): word joiners only
LEAVE_NAMES = "leave"  # tables and headings (_UNHYPHENATED_TAGS), or not asked for: nothing


def _text_markup(text: str, *, names: str) -> str:
    """French ``text`` as HTML: escaped, ordinals in superscript, proper names marked (``names``), URLs
    and hashes with their break points."""
    text = french_text(text)
    markup, position = [], 0
    for match in (_MARKUP if _may_hold_address(text) else _MARKUP_HEX).finditer(text):
        kind = match.lastgroup
        found = match.group(0)
        if kind == "name" and (
            names == LEAVE_NAMES
            or (names == JOIN_NAMES and "-" not in found and "‑" not in found)
            or (names == MARK_NAMES and not _run_needs_mark(found))
        ):
            continue
        markup.append(escape(text[position : match.start()], quote=False))
        if kind == "protected":  # never hyphenated either
            markup.append(f'<span class="verbatim">{breakpoints_markup(found)}</span>')
        elif kind == "ordinal":
            suffix_start = match.start("suffix") - match.start()
            markup.append(f"{escape(found[:suffix_start])}<sup>{found[suffix_start:]}</sup>")
        elif names == JOIN_NAMES:
            markup.append(escape(_joined(found), quote=False))
        else:
            markup.append(f'<span class="proper-name">{escape(_joined(found), quote=False)}</span>')
        position = match.end()
    markup.append(escape(text[position:], quote=False))
    return "".join(markup)


class _FrenchHtml(HTMLParser):
    """Copies an HTML document token by token, rewriting only its text (see ``french_html``)."""

    def __init__(self, *, mark_names: bool):
        super().__init__(convert_charrefs=True)
        self.mark_names = mark_names
        self.out: list[str] = []
        # The element being skipped (verbatim or marked) and how deep its own tag is nested in itself.
        self.skipped_tag: str | None = None
        self.skipped_depth = 0
        self.verbatim = False
        # Open elements (tag, and whether the stylesheet never hyphenates it: "tag", "class" or ""), and
        # how many of them are open of each kind.
        self.open_tags: list[tuple[str, str]] = []
        self.unhyphenated = {"tag": 0, "class": 0, "": 0}

    def handle_starttag(self, tag, attrs):
        self.out.append(self.get_starttag_text())
        if tag in _VOID_TAGS:
            return
        if self.skipped_tag is not None:
            self.open_tags.append((tag, ""))
            if tag == self.skipped_tag:
                self.skipped_depth += 1
            return
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        kind = "tag" if tag in _UNHYPHENATED_TAGS else "class" if classes & _UNHYPHENATED_CLASSES else ""
        self.open_tags.append((tag, kind))
        self.unhyphenated[kind] += 1
        if tag in _VERBATIM_TAGS:
            self.skipped_tag, self.skipped_depth, self.verbatim = tag, 1, True
        elif classes & _MARKED_CLASSES or attributes.get("translate") == "no":
            self.skipped_tag, self.skipped_depth, self.verbatim = tag, 1, False

    def handle_startendtag(self, tag, attrs):
        self.out.append(self.get_starttag_text())

    def handle_endtag(self, tag):
        self.out.append(f"</{tag}>")
        if any(open_tag == tag for open_tag, _kind in self.open_tags):  # a stray end tag changes nothing
            while self.open_tags:
                closed, kind = self.open_tags.pop()
                self.unhyphenated[kind] -= 1
                if closed == tag:
                    break
        if tag == self.skipped_tag:
            self.skipped_depth -= 1
            if self.skipped_depth == 0:
                self.skipped_tag = None

    def handle_data(self, data):
        if self.skipped_tag is None and data.isspace():
            self.out.append(data)  # the templates' indentation, most text nodes
        elif self.skipped_tag is None:
            if not self.mark_names or self.unhyphenated["tag"]:
                names = LEAVE_NAMES
            else:
                names = JOIN_NAMES if self.unhyphenated["class"] else MARK_NAMES
            self.out.append(_text_markup(data, names=names))
        elif self.skipped_tag in _RAW_TEXT_TAGS:
            self.out.append(data)  # never unescaped by the parser, so never escaped again
        elif self.verbatim:
            self.out.append(escape(data, quote=False))
        else:
            self.out.append(breakpoints_markup(data))

    def handle_comment(self, data):
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl):
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data):
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data):
        self.out.append(f"<![{data}]>")


def french_html(html: str, *, mark_names: bool = True) -> str:
    """``html`` with French typography in its text nodes (see the module's docstring).

    ``mark_names``: mark proper names for the print stylesheet (spans and word joiners)."""
    parser = _FrenchHtml(mark_names=mark_names)
    parser.feed(html)
    parser.close()
    return "".join(parser.out)
