"""French typography (ctg_portal/typography.py): the rules on tricky text, the HTML pass that touches text
nodes only, and the portal's French catalogue checked against the same rules."""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings

from ctg_portal.typography import NBSP, NNBSP, WORD_JOINER, ZERO_WIDTH_SPACE, french_html, french_text

SHA = "2f0ea39b3519556f3cbb15fa69cfd905555c23d525975a59c169384f5b7cd9b5"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Source : insee.", f"Source{NBSP}: insee."),
        ("Source: insee.", f"Source{NBSP}: insee."),
        ("premier ; second ! vraiment ?", f"premier{NNBSP}; second{NNBSP}! vraiment{NNBSP}?"),
        ("Quoi?! Vraiment", f"Quoi{NNBSP}?! Vraiment"),
        ("dénommés « les parties »,", f"dénommés «{NNBSP}les parties{NNBSP}»,"),
        (f"«{NBSP}déjà{NBSP}»", f"«{NNBSP}déjà{NNBSP}»"),
        ("«les parties»", f"«{NNBSP}les parties{NNBSP}»"),
        ("12 € et 3,5 % et 2 k€", f"12{NBSP}€ et 3,5{NBSP}% et 2{NBSP}k€"),
        ("50% et 1500 €", f"50{NBSP}% et 1{NBSP}500{NBSP}€"),
        ("42 150 habitants", f"42{NBSP}150 habitants"),
        ("l'enfant d'aujourd'hui", "l’enfant d’aujourd’hui"),
        ("du 1 janvier 2020 au 11 janvier", "du 1er janvier 2020 au 11 janvier"),
        ("la 2ème et la 1ère", "la 2e et la 1re"),
        ("n° 2024-15, M. Dupont, Mme Prunet", f"n°{NBSP}2024-15, M.{NBSP}Dupont, Mme{NBSP}Prunet"),
        ("Communauté de communes n°9", f"Communauté de communes n°{NBSP}9"),
        ("réunion à 14:30 : ordre du jour", f"réunion à 14:30{NBSP}: ordre du jour"),
    ],
)
def test_french_text_rules(text, expected):
    assert french_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://portail.example.fr/verification/?reference=CTG-1&version=2:3",
        "écrire à jean.o'neil@caf.fr",
        SHA,
        "www.caf.fr/allocataires?x=1;y=2",
        "scan-d'origine.pdf",
    ],
)
def test_addresses_and_hashes_are_left_alone(text):
    assert french_text(text) == text


def test_what_follows_an_address_is_still_typeset():
    assert french_text("voir https://caf.fr/a?b=1 : ici") == f"voir https://caf.fr/a?b=1{NBSP}: ici"
    assert french_text(f"empreinte {SHA} ; fin") == f"empreinte {SHA}{NNBSP}; fin"


@pytest.mark.parametrize(
    "text",
    [
        "Source : insee ; « les parties » l'enfant 12 € 50 % 1 janvier 2ème n° 3 M. Dupont Quoi ?!",
        "https://a.fr/x?y=1 : ok ; « https://b.fr » " + SHA,
        f"déjà{NBSP}: fait{NNBSP}; «{NNBSP}oui{NNBSP}» 1{NBSP}500{NBSP}€",
    ],
)
def test_applying_twice_changes_nothing(text):
    once = french_text(text)
    assert french_text(once) == once
    html = french_html(f"<p>{text}</p>")
    assert french_html(html) == html


def test_html_touches_text_nodes_only():
    html = (
        '<p title="l\'avis : oui ; « non »" data-url="https://x.fr/?a=1">Avis : l\'enfant</p>'
        '<script>var a = "l\'x : y";</script><style>p::before { content: "a : b"; }</style>'
        "<pre>code : l'x ;</pre><code>a ; b</code>"
        '<svg><text x="1">Cahors : 12</text></svg><span translate="no">a : b</span>'
    )
    result = french_html(html, mark_names=False)
    assert result.startswith('<p title="l\'avis : oui ; « non »" data-url="https://x.fr/?a=1">')
    assert f"Avis{NBSP}: l’enfant</p>" in result
    for untouched in (
        '<script>var a = "l\'x : y";</script>',
        '<style>p::before { content: "a : b"; }</style>',
        "<pre>code : l&#x27;x ;</pre>".replace("&#x27;", "'"),
        "<code>a ; b</code>",
        '<svg><text x="1">Cahors : 12</text></svg>',
        '<span translate="no">a : b</span>',
    ):
        assert untouched in result


def test_html_keeps_escaped_text_escaped():
    assert french_html("<p>a &lt;b&gt; &amp; c</p>", mark_names=False) == "<p>a &lt;b&gt; &amp; c</p>"


def test_html_writes_ordinals_in_superscript():
    result = french_html("<p>Le 1er janvier, la 2e fois, le XXIe siècle</p>", mark_names=False)
    assert result == "<p>Le 1<sup>er</sup> janvier, la 2<sup>e</sup> fois, le XXI<sup>e</sup> siècle</p>"


# Break points are zero width spaces (what WeasyPrint draws for <wbr>), without an element each.
WBR = ZERO_WIDTH_SPACE


def test_hash_wraps_only_every_sixteen_digits():
    result = french_html(f'<dd class="hash">{SHA}</dd>')
    assert result == f'<dd class="hash">{WBR.join(SHA[i : i + 16] for i in range(0, 64, 16))}</dd>'
    assert french_html(result) == result


def test_url_wraps_only_after_a_slash_or_before_its_query():
    result = french_html('<p class="mono">https://portail.fr/verification/?reference=CTG-A-2020&amp;version=1</p>')
    assert result == (
        f'<p class="mono">https://portail.fr/{WBR}verification/{WBR}'
        f'<span class="nowrap">?reference=CTG-A-2020</span>{WBR}&amp;version=1</p>'
    )
    assert french_html(result) == result
    assert WBR not in french_html('<a href="https://portail.fr/a/b">lien</a>').split(">", 1)[0]


def test_proper_names_are_marked_against_hyphenation():
    result = french_html("<p>M. Jean-Marc Vayssouze, maire de Cahors, signe pour Lot.</p>")
    # One span per run of names; a word joiner after the hyphen keeps « Jean-Marc » on one line.
    assert f'<span class="proper-name">Jean-{WORD_JOINER}Marc Vayssouze</span>' in result
    assert '<span class="proper-name">Cahors</span>' in result
    assert "pour Lot." in result  # too short to be hyphenated: no mark
    assert "maire" in result and ">maire<" not in result
    assert french_html(result) == result


def test_a_run_of_names_stops_at_an_ordinal():
    result = french_html("<p>Le XXIe siècle du Grand Cahors</p>")
    assert "XXI<sup>e</sup>" in result
    assert '<span class="proper-name">Grand Cahors</span>' in result


def test_proper_names_in_tables_need_no_mark():
    # The stylesheet never hyphenates tables (static/pdf/document.css).
    assert "proper-name" not in french_html("<table><tr><td>Eric Marousseau</td></tr></table>")


def test_proper_names_in_signature_blocks_need_only_their_word_joiners():
    # Nor signature blocks and lists of parties (document.css): no span, but « Jean-Marc » stays whole.
    result = french_html('<div class="signature-block"><p>Éric Marousseau et Jean-Marc Vayssouze</p></div>')
    assert "proper-name" not in result
    assert f"Jean-{WORD_JOINER}Marc" in result
    assert french_html(result) == result
    after = french_html('<ul class="cover-parties"><li>Cahors</li></ul><p>Marousseau</p>')
    assert after.endswith('<p><span class="proper-name">Marousseau</span></p>')


# --- The French catalogue ---------------------------------------------------------------------------

PO_FILE = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.po"
# A plain space before : ; ! ? », after «; a straight apostrophe between letters.
VIOLATIONS = {
    "plain space before « : ; ! ? »": re.compile(r" (?=[:;!?»])"),
    "plain space after «": re.compile(r"« "),
    "straight apostrophe": re.compile(r"(?<=[^\W\d_])'(?=[^\W\d_])"),
}


def read_po(path: Path) -> list[dict]:
    """The entries of a .po file: ``{"msgctxt", "msgid", "msgid_plural", "msgstr": [..]}`` (obsolete and
    fuzzy entries left out): a small reader, as polib is not a dependency."""
    entries, entry, field, fuzzy = [], {}, None, False

    def close():
        nonlocal entry, fuzzy
        if "msgid" in entry and entry["msgid"] and not fuzzy:
            entries.append(entry)
        entry, fuzzy = {}, False

    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            close()
            field = None
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            value = ast.literal_eval(line)
            if field == "msgstr":
                entry["msgstr"][-1] += value
            else:
                entry[field] += value
        else:
            keyword, value = line.split(" ", 1)
            value = ast.literal_eval(value)
            if keyword.startswith("msgstr"):
                field = "msgstr"
                entry.setdefault("msgstr", []).append(value)
            else:
                if keyword == "msgctxt" and "msgid" in entry:
                    close()
                field = keyword
                entry[keyword] = value
    close()
    return entries


def typeset_msgstr(text: str) -> str:
    return french_html(text, mark_names=False) if "<" in text else french_text(text)


def catalogue_violations() -> dict:
    """``{key: corrected msgstr}`` for every entry of the French catalogue breaking a rule (key
    ``context\\x04msgid`` for an entry with a context; a plural's msgstr as a list)."""
    corrections = {}
    for entry in read_po(PO_FILE):
        if not any(pattern.search(text) for text in entry["msgstr"] for pattern in VIOLATIONS.values()):
            continue
        key = entry["msgid"] if "msgctxt" not in entry else f"{entry['msgctxt']}\x04{entry['msgid']}"
        fixed = [typeset_msgstr(text) for text in entry["msgstr"]]
        corrections[key] = fixed if "msgid_plural" in entry else fixed[0]
    return corrections


def test_po_reader_reads_contexts_and_plurals():
    entries = read_po(PO_FILE)
    assert any(entry.get("msgctxt") == "budget" and entry["msgid"] == "Planned" for entry in entries)
    assert any(len(entry["msgstr"]) == 2 for entry in entries if "msgid_plural" in entry)


def test_corrections_follow_the_rules():
    for text in ("Source : %(source)s.", "l'« %(name)s » !", "Signer pour « %(organisation)s » ?"):
        fixed = typeset_msgstr(text)
        assert not any(pattern.search(fixed) for pattern in VIOLATIONS.values()), fixed


def test_every_french_msgstr_follows_the_typography():
    """Fails while a msgstr breaks a rule, naming it with its corrected text (``catalogue_violations``)."""
    violations = catalogue_violations()
    assert not violations, f"{len(violations)} msgstr break French typography, e.g. {list(violations.items())[:5]}"
