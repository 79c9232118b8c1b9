"""The ways into the editor: from the convention page and from a review comment on an article."""

import pytest
from django.urls import reverse

from conventions.choices import CommentAnchor, ConventionStatus
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, force_status
from tests.partners.factories import MembershipFactory, OrganisationFactory
from workflow.services.review import review_comment_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewed():
    """A convention sent back for changes after a CAF comment on its first article."""
    convention = ConventionFactory()
    caf = PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True))
    article = ArticleFactory(convention=convention, position=1, title="Objet", body="Texte **gras** {{ date_debut }}")
    staff = MembershipFactory(organisation=convention.epci).user
    officer = MembershipFactory(organisation=caf.organisation).user
    force_status(convention, ConventionStatus.IN_REVIEW)
    review_comment_create(
        convention=convention, by=officer, body="Préciser l'objet.", anchor=CommentAnchor.ARTICLE, target_id=article.pk
    )
    force_status(convention, ConventionStatus.CHANGES_REQUESTED)
    return convention, article, staff, officer


def test_the_staff_open_the_commented_article_from_the_review(client, reviewed):
    convention, article, staff, _officer = reviewed
    client.force_login(staff)
    content = client.get(reverse("workflow:review", args=[convention.pk])).content.decode()
    assert reverse("conventions:article_edit", args=[convention.pk, article.pk]) in content
    assert "<strong>gras</strong>" in content and "1er janvier 2024" in content  # rendered, values filled


def test_the_caf_reads_the_article_but_gets_no_edit_link(client, reviewed):
    convention, article, _staff, officer = reviewed
    client.force_login(officer)
    content = client.get(reverse("workflow:review", args=[convention.pk])).content.decode()
    assert reverse("conventions:article_edit", args=[convention.pk, article.pk]) not in content
    assert "<strong>gras</strong>" in content


def test_no_edit_link_while_the_caf_reviews(client, reviewed):
    convention, article, staff, _officer = reviewed
    force_status(convention, ConventionStatus.IN_REVIEW)
    client.force_login(staff)
    content = client.get(reverse("workflow:review", args=[convention.pk])).content.decode()
    assert reverse("conventions:article_edit", args=[convention.pk, article.pk]) not in content


def test_the_convention_page_renders_the_articles_and_links_the_editor_for_the_staff(client, reviewed):
    convention, article, staff, officer = reviewed
    detail = reverse("workflow:detail", args=[convention.pk])
    client.force_login(staff)
    content = client.get(detail).content.decode()
    for target in (
        reverse("conventions:settings", args=[convention.pk]),
        reverse("conventions:articles", args=[convention.pk]),
        reverse("conventions:article_edit", args=[convention.pk, article.pk]),
    ):
        assert target in content
    assert "<strong>gras</strong>" in content
    client.force_login(officer)
    content = client.get(detail).content.decode()
    assert reverse("conventions:articles", args=[convention.pk]) not in content
    assert "<strong>gras</strong>" in content
