"""The editor's pages: who reaches them, what they do, what a refusal keeps, how many queries they cost."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from conventions.choices import ConventionStatus
from conventions.model_text import model_article
from conventions.models import Article, Convention
from conventions.services.articles import article_digest
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, domain, force_status
from tests.partners.factories import MembershipFactory, OrganisationFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
# Session, user, savepoints, the convention and the abilities, the navigation bar, the placeholders' values
# (parties, domains, communes): what matters is that they do not grow with the articles or the parties.
LIST_MAX_QUERIES = 15
EDITOR_MAX_QUERIES = 15
SETTINGS_MAX_QUERIES = 12


def url(name: str, convention, *args) -> str:
    return reverse(f"conventions:{name}", args=[convention.pk, *args])


def pages(convention, article) -> dict:
    return {
        "settings": ("get", url("settings", convention)),
        "articles": ("get", url("articles", convention)),
        "article_create": ("get", url("article_create", convention)),
        "article_edit": ("get", url("article_edit", convention, article.pk)),
        "article_delete": ("get", url("article_delete", convention, article.pk)),
        "article_reset": ("get", url("article_reset", convention, article.pk)),
        "article_preview": ("post", url("article_preview", convention)),
    }


PAGE_NAMES = list(pages(type("C", (), {"pk": 1}), type("A", (), {"pk": 1})))


@pytest.mark.parametrize("page_name", PAGE_NAMES)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix(client, world, role, page_name):
    convention, users = world
    article = ArticleFactory(convention=convention)
    client.force_login(users[role])
    method, address = pages(convention, article)[page_name]
    response = getattr(client, method)(address, {"body": "Texte"} if method == "post" else None)
    view, edit, _review = EXPECTED[role]
    assert response.status_code == (200 if edit else 403 if view else 404)


@pytest.mark.parametrize("page_name", PAGE_NAMES)
@pytest.mark.parametrize("status", [ConventionStatus.IN_REVIEW, ConventionStatus.SIGNED])
def test_the_staff_get_a_403_saying_why_once_the_convention_left_drafting(client, world, page_name, status):
    convention, users = world
    article = ArticleFactory(convention=convention)
    force_status(convention, status)
    client.force_login(users["epci_staff"])
    method, address = pages(convention, article)[page_name]
    response = getattr(client, method)(address, {"body": "x"} if method == "post" else None, follow=False)
    assert response.status_code == 403
    assert gettext("Access denied") in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    convention = ConventionFactory()
    response = client.get(url("articles", convention))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- Articles -------------------------------------------------------------------------------------


@pytest.fixture
def drafted():
    convention = ConventionFactory(domains=[domain("jeunesse")])
    for position, title in enumerate(("Préambule", "Objet de la convention", "Résiliation"), start=1):
        ArticleFactory(
            convention=convention, position=position, title=title, body=f"Texte **{position}** {{{{ epci }}}}"
        )
    staff = MembershipFactory(organisation=convention.epci).user
    return convention, staff


def test_the_list_shows_the_articles_rendered_and_the_model_articles_to_add(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    content = client.get(url("articles", convention)).content.decode()
    assert "<strong>1</strong>" in content
    assert convention.epci.legal_denomination in content and "{{ epci }}" not in content.split("Articles")[-1]
    assert model_article("engagements-caf").title.replace("'", "&#x27;") in content
    assert 'value="preambule"' not in content  # already there
    assert url("article_edit", convention, convention.articles.first().pk) in content


def test_the_model_text_article_for_the_state_is_recommended_once_a_state_service_signs(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    assert "text-primary" not in client.get(url("articles", convention)).content.decode()
    PartyFactory(convention=convention, organisation=OrganisationFactory(state_service=True))
    content = client.get(url("articles", convention)).content.decode()
    assert 'value="engagements-etat"' in content and "text-primary" in content


def test_adding_moving_and_deleting_from_the_list(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(url("article_add_model", convention), {"key": "communication"})
    added = convention.articles.get(title="Communication")
    assert response.status_code == 302 and response.url.endswith(f"#article-{added.pk}")
    first = convention.articles.get(position=1)
    client.post(url("article_move", convention, first.pk), {"direction": "down"})
    assert convention.articles.get(position=2).pk == first.pk
    assert client.get(url("article_delete", convention, first.pk)).status_code == 200
    assert Article.objects.filter(pk=first.pk).exists()  # asking is not deleting
    client.post(url("article_delete", convention, first.pk))
    assert not Article.objects.filter(pk=first.pk).exists()
    assert list(convention.articles.values_list("position", flat=True)) == [1, 2, 3]


def test_a_bad_move_is_a_message_not_a_500(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.first()
    response = client.post(url("article_move", convention, article.pk), {"direction": "sideways"}, follow=True)
    assert response.status_code == 200
    assert gettext("Move an article up or down.") in response.content.decode()


def test_an_unknown_model_article_is_a_message(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(url("article_add_model", convention), {"key": "nope"}, follow=True)
    assert gettext("Choose an article of the model text.") in response.content.decode()
    assert convention.articles.count() == 3


def test_creating_an_article_from_the_form(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(
        url("article_create", convention), {"title": "Sport", "body": "Un texte sur {{ epci }}.", "position": 1}
    )
    assert response.status_code == 302
    assert convention.articles.get(position=1).title == "Sport"


def test_the_editor_refuses_an_unknown_placeholder_listing_the_valid_ones(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.first()
    response = client.post(
        url("article_edit", convention, article.pk),
        {"title": "Préambule", "body": "Avec {{ maire }}", "position": 1, "digest": article_digest(article)},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "{{ maire }}" in content and "{{ tribunal }}" in content and "{{ signataires }}" in content
    article.refresh_from_db()
    assert "maire" not in article.body


def test_the_editor_saves_title_text_and_position(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.get(position=1)
    response = client.post(
        url("article_edit", convention, article.pk),
        {
            "title": "Préambule modifié",
            "body": "### Contexte\n\nTexte.",
            "position": 3,
            "digest": article_digest(article),
        },
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.title, article.body, article.position) == ("Préambule modifié", "### Contexte\n\nTexte.", 3)


def test_the_editor_page_shows_the_placeholders_with_their_values_and_the_help(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    content = client.get(url("article_edit", convention, convention.articles.first().pk)).content.decode()
    assert "{{ date_debut }}" in content
    assert "1er janvier 2024" in content  # the factory's period, as the placeholder gives it
    assert 'hx-post="' + url("article_preview", convention) + '"' in content
    assert "<script>" not in content.split("<main", 1)[1].split("</main>")[0]  # no inline script


def test_a_save_made_meanwhile_is_not_overwritten_and_both_texts_are_shown(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.first()
    digest = article_digest(article)
    Article.objects.filter(pk=article.pk).update(body="Le texte de l'autre onglet")
    response = client.post(
        url("article_edit", convention, article.pk),
        {"title": "Préambule", "body": "Mon texte à moi", "position": 1, "digest": digest},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Mon texte à moi" in content and "Le texte de l&#x27;autre onglet" in content.replace("'", "&#x27;")
    article.refresh_from_db()
    assert article.body == "Le texte de l'autre onglet"


def test_a_tab_left_open_while_the_convention_went_to_review_keeps_what_was_typed(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.first()
    Convention.objects.filter(pk=convention.pk).update(status=ConventionStatus.IN_REVIEW)
    response = client.post(
        url("article_edit", convention, article.pk),
        {"title": "Préambule", "body": "Ma longue rédaction", "position": 1, "digest": article_digest(article)},
    )
    assert response.status_code == 403
    assert "Ma longue rédaction" in response.content.decode()
    article.refresh_from_db()
    assert article.body != "Ma longue rédaction"


def test_the_preview_renders_the_text_with_its_values(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(
        url("article_preview", convention), {"body": "**{{ epci }}** <script>x</script> {{ oups }}"}, **HTMX
    )
    content = response.content.decode()
    assert f"<strong>La {convention.epci.legal_denomination}</strong>" in content
    assert "<script>" not in content and "&lt;script&gt;" in content
    assert "oups" in content  # named among the unknown placeholders


def test_the_reset_page_shows_the_model_text_then_puts_it_back(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.get(title="Résiliation")
    content = client.get(url("article_reset", convention, article.pk)).content.decode()
    assert "trois mois" in content  # the model text's termination clause, rendered
    client.post(url("article_reset", convention, article.pk), {"key": "resiliation"})
    article.refresh_from_db()
    assert article.body == model_article("resiliation").body


# --- Parameters -------------------------------------------------------------------------------------


def test_the_parameters_form_saves_and_adds_a_domain_of_the_territory(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(
        url("settings", convention),
        {
            "title": "Nouveau titre",
            "period_start": "2026-01-01",
            "period_end": "2029-12-31",
            "drafting_phase": "action_plan",
            "domains": [domain("jeunesse").pk, domain("enfance").pk],
            "new_domain": "Sport et loisirs",
            "signing_place": "Libourne",
            "original_copies": "3",
        },
    )
    assert response.status_code == 302
    convention.refresh_from_db()
    assert convention.title == "Nouveau titre" and convention.signing_place == "Libourne"
    assert set(convention.domains.values_list("name", flat=True)) == {"Jeunesse", "Enfance", "Sport et loisirs"}


def test_the_parameters_form_refuses_an_end_before_the_start(client, drafted):
    convention, staff = drafted
    client.force_login(staff)
    response = client.post(
        url("settings", convention),
        {"title": "T", "period_start": "2026-01-01", "period_end": "2025-01-01", "drafting_phase": "diagnostic"},
    )
    assert response.status_code == 200
    assert gettext("The end of the period must come after its start.") in response.content.decode()


# --- Queries ----------------------------------------------------------------------------------------


def _queries(client, method, address, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert getattr(client, method)(address, data).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("page_name", "limit"),
    [("articles", LIST_MAX_QUERIES), ("article_edit", EDITOR_MAX_QUERIES), ("settings", SETTINGS_MAX_QUERIES)],
)
def test_query_counts_do_not_grow_with_the_articles_or_parties(
    client, drafted, django_assert_max_num_queries, page_name, limit
):
    convention, staff = drafted
    client.force_login(staff)
    article = convention.articles.first()
    address = url(page_name, convention, article.pk) if page_name == "article_edit" else url(page_name, convention)
    with django_assert_max_num_queries(limit):
        few = _queries(client, "get", address)
    for number in range(4, 30):
        ArticleFactory(convention=convention, position=number, body="Texte {{ signataires }}")
        PartyFactory(convention=convention, signing_order=number)
    assert _queries(client, "get", address) == few
