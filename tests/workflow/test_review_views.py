"""The review page and its forms: who reads and who writes, htmx and plain POSTs, counts, filter, queries."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions.choices import CommentAnchor, ConventionStatus
from conventions.models import ReviewComment
from ctg_portal.typography import french_text
from partners.choices import MembershipRole
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, domain, force_status
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from workflow.services.review import review_comment_create, review_comment_reply, review_comment_resolve

pytestmark = pytest.mark.django_db

REVIEW_MAX_QUERIES = 19
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def convention():
    """In review: two articles, findings in two domains, fiches in two orientations; staff, officer, reader."""
    convention = ConventionFactory(period_start=datetime.date(2030, 1, 1), period_end=datetime.date(2033, 12, 31))
    caf = PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True, name="CAF du Causse"))
    convention.article = ArticleFactory(convention=convention, position=1, title="Objet", body="Le texte de l'objet.")
    ArticleFactory(convention=convention, position=2, title="Durée")
    convention.finding = FindingFactory(
        diagnostic__convention=convention, domain=domain("petite-enfance"), title="Manque de places d'accueil"
    )
    FindingFactory(diagnostic=convention.finding.diagnostic, domain=domain("jeunesse"), title="Peu d'offre ados")
    orientation = StrategicOrientationFactory(plan__convention=convention, position=1, title="Accueillir")
    convention.action = ActionFactory(orientation=orientation, code="1.1", title="Ouvrir une micro-crèche")
    ActionFactory(
        orientation=StrategicOrientationFactory(plan=orientation.plan, position=2, title="Accompagner"), code="2.1"
    )
    convention.staff = MembershipFactory(organisation=convention.epci).user
    convention.officer = MembershipFactory(organisation=caf.organisation).user
    convention.reader = MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user
    force_status(convention, ConventionStatus.IN_REVIEW)
    return convention


def review_url(convention, **query) -> str:
    url = reverse("workflow:review", args=[convention.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def create_url(convention) -> str:
    return reverse("workflow:review_comment_create", args=[convention.pk])


def comment_url(name, comment) -> str:
    return reverse(f"workflow:review_comment_{name}", args=[comment.convention_id, comment.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def comment(convention, body="Préciser le calendrier.", anchor=CommentAnchor.GENERAL, target=None):
    return review_comment_create(
        convention=convention, by=convention.officer, body=body, anchor=anchor, target_id=target.pk if target else None
    )


# --- Reading the page ---------------------------------------------------------------------------------------


def test_the_page_lists_every_part_with_its_threads(client, convention):
    thread = comment(convention, "L'objet est flou.", CommentAnchor.ARTICLE, convention.article)
    review_comment_reply(comment=thread, by=convention.staff, body="Nous le reprenons.")
    comment(convention, "Chiffrer ce besoin.", CommentAnchor.FINDING, convention.finding)
    client.force_login(convention.reader)
    response = client.get(review_url(convention))
    assert response.status_code == 200
    content = response.content.decode()
    for text in (
        "Article 1 — Objet",
        "Article 2 — Durée",
        "Le texte de l'objet.",  # the article's Markdown, rendered by conventions.markup
        "Petite enfance",
        "Jeunesse",
        "Manque de places d&#x27;accueil",
        "1. Accueillir",
        "2. Accompagner",
        "Ouvrir une micro-crèche",
        "L&#x27;objet est flou.",
        "Nous le reprenons.",
        "Chiffrer ce besoin.",
    ):
        assert text in content, text
    assert f'id="part-article-{convention.article.pk}"' in content
    assert f'id="part-finding-{convention.finding.pk}"' in content
    assert f'id="part-action-{convention.action.pk}"' in content
    assert "2 commentaires ouverts" in content


def test_a_reader_sees_no_form(client, convention):
    comment(convention)
    client.force_login(convention.reader)
    content = client.get(review_url(convention)).content.decode()
    assert create_url(convention) not in content
    assert "Répondre" not in content
    assert "Marquer comme résolu" not in content


def test_the_officer_sees_a_comment_form_on_every_part_and_the_review_buttons(client, convention):
    client.force_login(convention.officer)
    content = client.get(review_url(convention)).content.decode()
    # the general remarks, 2 articles, 2 findings, 2 fiches
    assert content.count(f'action="{create_url(convention)}"') == 7
    assert 'data-action="approve"' in content
    assert 'data-action="request_changes"' in content
    assert 'name="origin" value="review"' in content


def test_the_staff_answer_and_resolve_but_do_not_comment(client, convention):
    thread = comment(convention)
    client.force_login(convention.staff)
    content = client.get(review_url(convention)).content.decode()
    assert create_url(convention) not in content
    assert f'action="{comment_url("reply", thread)}"' in content
    assert f'action="{comment_url("resolve", thread)}"' in content


def test_the_open_filter_hides_resolved_threads_and_quiet_parts(client, convention):
    resolved = comment(convention, "Déjà réglé.", CommentAnchor.ARTICLE, convention.article)
    review_comment_resolve(comment=resolved, by=convention.staff)
    comment(convention, "Toujours ouvert.", CommentAnchor.ACTION, convention.action)
    client.force_login(convention.staff)
    every = client.get(review_url(convention)).content.decode()
    assert "Déjà réglé." in every
    assert "Toujours ouvert." in every
    assert "Article 2 — Durée" in every
    only_open = client.get(review_url(convention, filtre="ouverts")).content.decode()
    assert "Déjà réglé." not in only_open
    assert "Toujours ouvert." in only_open
    assert "Article 2 — Durée" not in only_open
    assert "1 commentaire ouvert" in only_open
    assert "1 résolu" in only_open


def test_a_thread_whose_part_was_deleted_keeps_its_label(client, convention):
    comment(convention, "À supprimer ?", CommentAnchor.ARTICLE, convention.article)
    convention.article.delete()
    client.force_login(convention.staff)
    content = client.get(review_url(convention)).content.decode()
    assert "Article 1 — Objet" in content
    assert "À supprimer ?" in content


@pytest.mark.parametrize("who", ["other_caf", "unrelated"])
def test_outsiders_get_a_404(client, convention, who):
    user = MembershipFactory(organisation=OrganisationFactory(caf=True)).user if who == "other_caf" else UserFactory()
    client.force_login(user)
    assert client.get(review_url(convention)).status_code == 404


def test_the_page_is_readable_in_every_status(client, convention):
    comment(convention)
    force_status(convention, ConventionStatus.SIGNED)
    client.force_login(convention.officer)
    content = client.get(review_url(convention)).content.decode()
    assert "Préciser le calendrier." in content
    assert create_url(convention) not in content


def page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_number_of_queries_does_not_grow_with_comments_articles_findings_or_fiches(
    client, convention, django_assert_max_num_queries
):
    comment(convention)
    client.force_login(convention.officer)
    with django_assert_max_num_queries(REVIEW_MAX_QUERIES):
        few = page_queries(client, review_url(convention))
    orientation = convention.action.orientation
    for number in range(2, 12):
        article = ArticleFactory(convention=convention, position=number + 1)
        finding = FindingFactory(diagnostic=convention.finding.diagnostic)
        action = ActionFactory(orientation=orientation, code=f"1.{number}")
        PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True), signing_order=number)
        for anchor, target in (("article", article), ("finding", finding), ("action", action)):
            thread = comment(convention, f"Remarque {number}", anchor, target)
            review_comment_reply(comment=thread, by=convention.staff, body="Réponse")
        review_comment_resolve(comment=thread, by=convention.staff)
    assert page_queries(client, review_url(convention)) == few
    assert page_queries(client, review_url(convention, filtre="ouverts")) == few


# --- Comments, replies, resolution: plain POST ---------------------------------------------------------------


def test_the_officer_comments_on_an_article(client, convention):
    client.force_login(convention.officer)
    response = client.post(
        create_url(convention), {"anchor": "article", "target_id": convention.article.pk, "body": " À préciser. "}
    )
    assert response.status_code == 302
    assert response.url == review_url(convention) + f"#part-article-{convention.article.pk}"
    created = ReviewComment.objects.get()
    assert (created.article, created.author, created.body) == (convention.article, convention.officer, "À préciser.")
    assert messages_of(response) == [french_text("Commentaire ajouté sur « Article 1 — Objet ».")]


def test_the_filter_is_kept_after_a_post(client, convention):
    client.force_login(convention.officer)
    response = client.post(create_url(convention), {"anchor": "general", "body": "Avis", "filtre": "ouverts"})
    assert response.url == review_url(convention, filtre="ouverts") + "#part-general"


def test_the_staff_cannot_comment(client, convention):
    client.force_login(convention.staff)
    response = client.post(create_url(convention), {"anchor": "general", "body": "Notre avis"})
    assert response.status_code == 302
    assert "agents de la CAF" in messages_of(response)[0]
    assert not ReviewComment.objects.exists()


def test_an_empty_comment_is_refused_with_a_message(client, convention):
    client.force_login(convention.officer)
    response = client.post(create_url(convention), {"anchor": "general", "body": "   "})
    assert messages_of(response) == ["Écrivez un commentaire."]
    assert not ReviewComment.objects.exists()


def test_a_part_of_another_convention_is_refused_with_a_message(client, convention):
    other_article = ArticleFactory(convention=ConventionFactory())
    client.force_login(convention.officer)
    response = client.post(create_url(convention), {"anchor": "article", "target_id": other_article.pk, "body": "x"})
    assert response.status_code == 302
    assert "n’appartient pas à cette convention" in messages_of(response)[0]
    assert not ReviewComment.objects.exists()


def test_an_outsider_posting_gets_a_404(client, convention):
    client.force_login(UserFactory())
    assert client.post(create_url(convention), {"anchor": "general", "body": "x"}).status_code == 404
    assert not ReviewComment.objects.exists()


@pytest.mark.parametrize("name", ["reply", "resolve", "reopen"])
def test_a_comment_of_another_convention_is_a_404(client, convention, name):
    other = ConventionFactory()
    foreign = ReviewComment.objects.create(convention=other, author=UserFactory(), body="Ailleurs")
    client.force_login(convention.staff)
    url = reverse(f"workflow:review_comment_{name}", args=[convention.pk, foreign.pk])
    assert client.post(url, {"body": "x"}).status_code == 404


@pytest.mark.parametrize("name", ["create", "reply", "resolve", "reopen"])
def test_the_forms_accept_post_only(client, convention, name):
    thread = comment(convention)
    client.force_login(convention.officer)
    url = create_url(convention) if name == "create" else comment_url(name, thread)
    assert client.get(url).status_code == 405


def test_the_staff_reply_then_resolve_then_the_officer_reopens(client, convention):
    thread = comment(convention, anchor=CommentAnchor.ACTION, target=convention.action)
    client.force_login(convention.staff)
    response = client.post(comment_url("reply", thread), {"body": "Fait."})
    assert response.url.endswith(f"#part-action-{convention.action.pk}")
    assert messages_of(response) == ["Réponse ajoutée."]
    assert thread.replies.get().body == "Fait."
    response = client.post(comment_url("resolve", thread))
    assert messages_of(response)[-1] == "Commentaire résolu."
    thread.refresh_from_db()
    assert thread.resolved_by == convention.staff
    client.force_login(convention.officer)
    response = client.post(comment_url("reopen", thread))
    assert messages_of(response)[-1] == "Commentaire rouvert."
    thread.refresh_from_db()
    assert thread.resolved_at is None


def test_a_reader_cannot_reply_nor_resolve(client, convention):
    thread = comment(convention)
    client.force_login(convention.reader)
    assert messages_of(client.post(comment_url("reply", thread), {"body": "Mon avis"}))
    assert messages_of(client.post(comment_url("resolve", thread)))
    thread.refresh_from_db()
    assert (thread.replies.count(), thread.resolved_at) == (0, None)


def test_resolving_after_the_approval_is_refused_with_a_message(client, convention):
    thread = comment(convention)
    review_comment_resolve(comment=thread, by=convention.staff)
    force_status(convention, ConventionStatus.APPROVED)
    client.force_login(convention.officer)
    response = client.post(comment_url("reopen", thread))
    assert "Approuvée" in messages_of(response)[0]
    thread.refresh_from_db()
    assert thread.resolved_at is not None


# --- The same forms with htmx --------------------------------------------------------------------------------


def test_with_htmx_a_new_comment_answers_with_its_part_and_the_counts(client, convention):
    client.force_login(convention.officer)
    response = client.post(
        create_url(convention), {"anchor": "finding", "target_id": convention.finding.pk, "body": "Combien ?"}, **HTMX
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert content.lstrip().startswith(f'<div id="part-finding-{convention.finding.pk}"')
    assert "Combien ?" in content
    assert 'id="review-counts"' in content
    assert 'hx-swap-oob="true"' in content
    assert "1 commentaire ouvert" in content
    assert "<html" not in content


def test_with_htmx_a_refusal_is_told_inside_the_part_and_keeps_the_text(client, convention):
    client.force_login(convention.officer)
    response = client.post(create_url(convention), {"anchor": "general", "body": "x" * 5001}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert 'id="part-general"' in content
    assert "5000 caractères" in content or "5 000 caractères" in content
    assert "x" * 5001 in content
    assert not ReviewComment.objects.exists()


def test_with_htmx_a_refused_reply_reopens_its_form_with_the_text(client, convention):
    thread = comment(convention)
    client.force_login(convention.staff)
    response = client.post(comment_url("reply", thread), {"body": "y" * 5001}, **HTMX)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<details class="flex-grow-1 review-reply-form" open>' in content
    assert f'id="reply-{thread.pk}" name="body" rows="2" maxlength="5000" required>{"y" * 5001}</textarea>' in content
    assert 'class="alert alert-danger py-2 my-2" role="alert"' in content
    assert not thread.replies.exists()


def test_a_thread_shows_its_replies_and_who_resolved_it(client, convention):
    thread = comment(convention, "Préciser <le> calendrier.", CommentAnchor.ACTION, convention.action)
    review_comment_reply(comment=thread, by=convention.staff, body="C’est fait.")
    review_comment_resolve(comment=thread, by=convention.staff)
    client.force_login(convention.officer)
    response = client.get(review_url(convention))
    content = response.content.decode()
    part = content[content.index(f'id="part-action-{convention.action.pk}"') :]
    assert "Préciser &lt;le&gt; calendrier." in part
    assert f'<li class="mb-2 review-reply" id="comment-{thread.replies.get().pk}">' in part
    assert "C’est fait." in part
    staff_name = convention.staff.get_full_name() or convention.staff.get_username()
    assert f"Résolu par {staff_name} le {timezone.localdate().strftime('%d/%m/%Y')}." in part
    assert f'action="{comment_url("reopen", thread)}"' in part
    assert 'name="csrfmiddlewaretoken" value="' in part
    assert "render-cache-csrf-token-placeholder" not in content  # the reader's own token, put in when served


def test_with_htmx_resolving_answers_with_the_part(client, convention):
    thread = comment(convention, anchor=CommentAnchor.ARTICLE, target=convention.article)
    client.force_login(convention.staff)
    response = client.post(comment_url("resolve", thread), **HTMX)
    content = response.content.decode()
    assert f'id="part-article-{convention.article.pk}"' in content
    assert "Résolu" in content
    assert "0 commentaire ouvert" in content
    thread.refresh_from_db()
    assert thread.resolved_at is not None


# --- The summary on the convention page ----------------------------------------------------------------------


def detail(client, user, convention) -> str:
    client.force_login(user)
    return client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()


def test_the_convention_page_counts_the_open_comments_and_links_to_the_review(client, convention):
    comment(convention)
    comment(convention, "Autre point")
    content = detail(client, convention.staff, convention)
    assert "2 commentaires de relecture sont ouverts." in content
    assert f'href="{review_url(convention)}"' in content


def test_the_convention_page_invites_the_officer_to_review(client, convention):
    content = detail(client, convention.officer, convention)
    assert "Relire et commenter" in content


def test_no_summary_on_a_draft_without_open_comments(client, convention):
    force_status(convention, ConventionStatus.DRAFT)
    assert f'href="{review_url(convention)}"' not in detail(client, convention.staff, convention)
