"""The articles' text: Markdown rendered safely, placeholders filled from the convention, the model text."""

import datetime
from html.parser import HTMLParser

import pytest
from django.core.exceptions import ValidationError
from django.template import Context, Template

from conventions import markup
from conventions.departments import ADMINISTRATIVE_COURTS, DEPARTMENTS, administrative_court, of_department
from conventions.model_text import MODEL_ARTICLES, default_articles, model_article_for_title
from partners.choices import Civility
from tests.conventions.factories import ConventionFactory, PartyFactory, domain
from tests.partners.factories import OrganisationFactory, RepresentativeFactory

# --- Sanitising -------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, attrs))


def tags_in(html: str) -> list:
    """The elements of ``html`` with their attributes, as a browser would read them."""
    parser = _Tags()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert('x')</script>",
        "Texte <script>alert('x')</script> suite",
        '<img src="x" onerror="alert(1)">',
        "<iframe src='https://example.org'></iframe>",
        '<a href="https://example.org" onclick="alert(1)">lien</a>',
        "<style>body{display:none}</style>",
    ],
)
def test_raw_html_is_shown_as_text_never_as_markup(source):
    html = markup.render_markdown(source)
    assert tags_in(html) == [("p", [])]  # one paragraph of text, no element, no attribute
    assert "&lt;" in html  # the typed HTML is shown, escaped


@pytest.mark.parametrize(
    "source",
    [
        "[clic](javascript:alert(1))",
        "[clic](JAVASCRIPT:alert(1))",
        "[clic](data:text/html;base64,PHNjcmlwdD4=)",
        "[clic](vbscript:msgbox(1))",
        "<javascript:alert(1)>",
        "![image](javascript:alert(1))",
    ],
)
def test_links_other_than_http_lose_their_target(source):
    html = markup.render_markdown(source)
    assert [tag for tag, _attrs in tags_in(html)] == ["p"]


def test_http_links_are_kept_with_a_safe_rel():
    html = markup.render_markdown("Voir [le site de la Caf](https://www.caf.fr).")
    assert '<a href="https://www.caf.fr" rel="noopener noreferrer nofollow">le site de la Caf</a>' in html


def test_images_show_their_description_only():
    html = markup.render_markdown("![Logo de la Caf](https://example.org/logo.png)")
    assert "<img" not in html
    assert "Logo de la Caf" in html
    assert "example.org" not in html


def test_only_the_allow_list_reaches_the_page():
    html = markup.render_markdown(
        "# T\n\n**a** *b* [c](https://x.fr)\n\n- d\n\n1. e\n\n> f\n\n| g | h |\n|--:|:-:|\n| 1 | 2 |"
    )
    for tag, attrs in tags_in(html):
        assert tag in markup.ALLOWED_TAGS
        assert {name for name, _value in attrs} <= markup.ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}


def test_the_allowed_formatting_is_rendered():
    html = markup.render_markdown(
        "# Titre\n\n## Sous-titre\n\n#### Détail\n\n**gras** et *italique*\n\n- un\n- deux\n\n1. premier\n\n"
        "> citation\n\n| A | B |\n|---|---|\n| 1 | 2 |"
    )
    for fragment in (
        "<h3>Titre</h3>",
        "<h3>Sous-titre</h3>",
        "<h4>Détail</h4>",
        "<strong>gras</strong>",
        "<em>italique</em>",
        "<ul>",
        "<ol>",
        "<blockquote>",
        "<table>",
        "<td>1</td>",
    ):
        assert fragment in html
    assert "<h1" not in html and "<h2" not in html


def test_plain_text_of_older_articles_renders_as_paragraphs_with_their_line_breaks():
    html = markup.render_markdown("Première ligne\nDeuxième ligne\n\nNouveau paragraphe")
    assert html == "<p>Première ligne<br>\nDeuxième ligne</p>\n<p>Nouveau paragraphe</p>\n"


def test_code_and_rules_are_not_kept_as_markup():
    html = markup.render_markdown("`code` et\n\n---\n\n    bloc")
    assert "<code" not in html and "<hr" not in html and "<pre" not in html
    assert "code" in html and "bloc" in html


# --- Placeholders -----------------------------------------------------------------------------------


def test_unknown_placeholders_are_refused_with_the_list_of_valid_ones():
    with pytest.raises(ValidationError) as error:
        markup.check_placeholders("{{ epci }} et {{ commune_inconnue }} et {{epci}}")
    message = " ".join(error.value.messages)
    assert "{{ commune_inconnue }}" in message
    for name in markup.PLACEHOLDERS:
        assert f"{{{{ {name} }}}}" in message


def test_known_placeholders_pass_whatever_their_spacing():
    markup.check_placeholders("{{epci}}, {{ caf }}, {{  date_debut  }}")
    assert markup.placeholders_in("{{epci}} {{ epci }} {{ caf }}") == ["epci", "caf"]


def test_values_are_escaped_so_that_a_name_cannot_add_markup():
    values = {"epci": "**Gras** <script>alert(1)</script> [lien](javascript:x) _a_ `b` | c"}
    html = markup.render_markdown(markup.resolve_placeholders("Avec {{ epci }}.", values))
    assert "<strong>" not in html and "<script" not in html and "<a" not in html and "<em>" not in html
    assert "**Gras**" in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize("value", ["1. premier", "- tiret", "# dièse", "> citation", "+ plus", "12) douze"])
def test_a_value_alone_on_its_line_cannot_open_a_list_or_a_heading(value):
    html = markup.render_markdown(markup.resolve_placeholders("{{ epci }}", {"epci": value}))
    assert html.startswith("<p>")
    assert value.replace(">", "&gt;") in html


def test_a_value_opening_a_sentence_takes_a_capital():
    values = {"caf": "la Caisse d'allocations familiales du Lot"}
    text = markup.resolve_placeholders("{{ caf }} s'engage. Puis {{ caf }}. Enfin : {{ caf }}.\n- {{ caf }}", values)
    assert text.startswith("La Caisse")
    assert "Puis la Caisse" in text
    assert ". La Caisse" not in text.split("Puis")[0]
    assert "Enfin : la Caisse" in text
    assert "- La Caisse" in text
    assert markup.resolve_placeholders("**{{ caf }}** s'engage", values).startswith("**La Caisse")


def test_a_list_value_becomes_a_bulleted_list_on_its_own_lines():
    text = markup.resolve_placeholders(
        "Les domaines : {{ domaines }} fin.", {"domaines": ["Petite enfance", "jeunesse"]}
    )
    html = markup.render_markdown(text)
    assert "<li>Petite enfance ;</li>" in html
    assert "<li>Jeunesse.</li>" in html
    assert "fin." in html


def test_unknown_placeholders_stay_as_typed():
    assert markup.resolve_placeholders("{{ inconnu }} {{ epci }}", {"epci": "X"}) == "{{ inconnu }} X"


@pytest.mark.django_db
def test_placeholder_values_come_from_the_convention(django_assert_num_queries):
    epci = OrganisationFactory(
        intercommunality=True,
        name="CA du Grand Exemple",
        legal_name="Communauté d'agglomération du Grand Exemple",
        short_name="Grand Exemple",
        department_code="33",
        city="Libourne",
    )
    for population in (1200, 800):
        OrganisationFactory(commune=True, epci=epci, population=population)
    convention = ConventionFactory(
        epci=epci,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2029, 12, 31),
        replaces_contract="Contrat enfance jeunesse (CEJ)",
        predecessor_reference="2019-046",
        predecessor_start=datetime.date(2019, 1, 1),
        predecessor_end=datetime.date(2022, 12, 31),
        domains=[domain("petite-enfance"), domain("jeunesse")],
    )
    caf = OrganisationFactory(
        caf=True, name="CAF de la Gironde", legal_name="Caisse d'allocations familiales de la Gironde"
    )
    PartyFactory(
        convention=convention,
        organisation=caf,
        representative=RepresentativeFactory(
            organisation=caf, civility=Civility.MADAME, full_name="Anne Exemple", title="Directrice"
        ),
    )
    PartyFactory(
        convention=convention,
        organisation=epci,
        representative=None,
        deliberation_number="2025-12",
    )
    convention = type(convention).objects.select_related("epci").get(pk=convention.pk)
    with django_assert_num_queries(3):
        values = markup.placeholder_values(convention)
    assert values["epci"] == "la Communauté d'agglomération du Grand Exemple"
    assert values["de_epci"] == "de la Communauté d'agglomération du Grand Exemple"
    assert values["epci_nom"] == "Grand Exemple"
    assert values["caf"] == "la Caisse d'allocations familiales de la Gironde"
    assert values["de_caf"] == "de la Caisse d'allocations familiales de la Gironde"
    assert values["departement"] == "Gironde"
    assert values["du_departement"] == "de la Gironde"
    assert values["communes"] == "2"
    assert values["population"] == "2\u00a0000"
    assert values["date_debut"] == "1er janvier 2026"
    assert values["date_fin"] == "31 décembre 2029"
    assert (values["annee_debut"], values["annee_fin"]) == ("2026", "2029")
    assert values["duree"] == "quatre ans"
    assert values["contrat_precedent"] == (
        "Contrat enfance jeunesse (CEJ) n° 2019-046, du 1er janvier 2019 au 31 décembre 2022"
    )
    assert values["lieu_signature"] == "à Libourne"
    assert values["nombre_exemplaires"] == "deux"
    assert values["tribunal"] == "Tribunal administratif de Bordeaux"
    assert values["domaines"] == ["Petite enfance", "Jeunesse"]
    assert (
        "la Caisse d'allocations familiales de la Gironde, représentée par Mme Anne Exemple, la Directrice"
        in (values["signataires"])
    )
    assert values["etat"].startswith(markup.TO_COMPLETE)


@pytest.mark.django_db
def test_the_parameters_override_the_defaults():
    convention = ConventionFactory(
        signing_place="Le Havre",
        original_copies=5,
        competent_court="le Tribunal administratif de Rouen",
    )
    values = markup.placeholder_values(convention)
    assert values["lieu_signature"] == "au Havre"
    assert values["nombre_exemplaires"] == "cinq"
    assert values["tribunal"] == "Tribunal administratif de Rouen"
    text = markup.resolve_placeholders("Compétence du {{ tribunal }}. Fait {{ lieu_signature }}.", values)
    assert text == "Compétence du Tribunal administratif de Rouen. Fait au Havre."


@pytest.mark.django_db
def test_what_the_convention_does_not_know_yet_is_marked_to_complete():
    values = markup.placeholder_values(ConventionFactory())
    for name in ("caf", "communes", "population", "contrat_precedent", "tribunal", "lieu_signature"):
        assert markup.TO_COMPLETE in values[name], name


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (datetime.date(2024, 1, 1), datetime.date(2027, 12, 31), "quatre ans"),
        (datetime.date(2024, 1, 1), datetime.date(2024, 12, 31), "un an"),
        (datetime.date(2024, 7, 1), datetime.date(2025, 12, 31), "un an et six mois"),
        (datetime.date(2024, 1, 1), datetime.date(2024, 6, 30), "six mois"),
    ],
)
def test_duration_in_words(start, end, words):
    assert markup.duration_in_words(start, end) == words


@pytest.mark.django_db
def test_the_template_filter_renders_with_the_convention_values():
    convention = ConventionFactory(period_start=datetime.date(2026, 1, 1), period_end=datetime.date(2029, 12, 31))
    template = Template("{% load article_tags %}{{ body|article_html:convention }}|{{ body|article_html }}")
    html = template.render(Context({"body": "Du {{ date_debut }} <b>x</b>", "convention": convention}))
    with_values, without = html.split("|")
    assert with_values == "<p>Du 1er janvier 2026 &lt;b&gt;x&lt;/b&gt;</p>\n"
    assert "{{ date_debut }}" in without


# --- The model text and the courts ------------------------------------------------------------------


def test_the_model_text_uses_only_known_placeholders_and_renders():
    for article in MODEL_ARTICLES:
        markup.check_placeholders(article.body)
        assert markup.render_markdown(article.body)
        assert model_article_for_title(article.title) == article


def test_the_model_text_holds_the_clauses_a_caf_lawyer_expects():
    text = "\n".join(article.body for article in default_articles())
    for clause in (
        "contrats enfance jeunesse",
        "faisant partie intégrante de la présente convention",
        "sous réserve des crédits disponibles",
        "vote des budgets",
        "comité de pilotage",
        "comité technique",
        "règlement (UE) 2016/679",
        "prend effet",
        "avenant",
        "résiliée",
        "{{ tribunal }}",
        "Fait {{ lieu_signature }}",
        "{{ nombre_exemplaires }} exemplaires originaux",
        "{{ domaines }}",
    ):
        assert clause in text, clause
    state = model_article_for_title("Engagements de l'État")
    assert state is not None and not state.by_default and "{{ etat }}" in state.body


def test_every_department_has_its_administrative_court():
    courts = {code for codes in ADMINISTRATIVE_COURTS.values() for code in codes}
    assert courts == set(DEPARTMENTS)
    assert administrative_court("46") == "Tribunal administratif de Toulouse"
    assert administrative_court("07") == "Tribunal administratif de Lyon"  # Ardèche, not Nîmes
    assert administrative_court("93") == "Tribunal administratif de Montreuil"
    assert administrative_court("92") == "Tribunal administratif de Cergy-Pontoise"
    assert administrative_court("80") == "Tribunal administratif d'Amiens"
    assert administrative_court("974") == "Tribunal administratif de Saint-Denis"
    assert administrative_court("99") == ""
    assert of_department("33") == "de la Gironde"
    assert of_department("46") == "du Lot"
