"""The convention and review pages from the render cache: the same page as rendered afresh, refreshed by
every edit made through the services, nothing of one reader served to another."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from action_plans.choices import ActionStatus
from action_plans.services.monitoring import action_update_status_progress
from conventions import render_cache
from conventions.choices import CommentAnchor
from conventions.models import ReviewComment
from conventions.services.articles import article_update
from tests.conventions.factories import ArticleFactory
from tests.partners.factories import MembershipFactory
from tests.workflow.test_review_views import convention as review_convention  # noqa: F401 (fixture)
from tests.workflow.test_views import detail_url, epci_member, full_convention
from workflow.services.review import review_comment_create

pytestmark = pytest.mark.django_db

CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*"')
CSRF_META = re.compile(r'(name="csrf-token" content=")[^"]*"')
# A page served from the cache: session, user, the convention, the reader's abilities, the signing
# panel and the base template's own; none of what the cached sections show.
CACHED_DETAIL_MAX_QUERIES = 12
CACHED_REVIEW_MAX_QUERIES = 10


def review_url(convention) -> str:
    return reverse("workflow:review", args=[convention.pk])


def without_tokens(html: str) -> str:
    return CSRF_META.sub(r"\1…", CSRF_INPUT.sub(r"\1…", html))


def get(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def cache_on(settings):
    settings.RENDER_CACHE_ENABLED = True
    render_cache.forget_changes()


@pytest.mark.parametrize("page_name", ["detail", "review"])
def test_the_cached_page_is_the_page_rendered_afresh(client, settings, cache_on, review_convention, page_name):  # noqa: F811
    convention = review_convention
    review_comment_create(
        convention=convention, by=convention.officer, body="Préciser.", anchor=CommentAnchor.GENERAL, target_id=None
    )
    render_cache.forget_changes()
    url = detail_url(convention) if page_name == "detail" else review_url(convention)
    client.force_login(convention.officer)
    settings.RENDER_CACHE_ENABLED = False
    fresh = get(client, url)
    settings.RENDER_CACHE_ENABLED = True
    filled, served = get(client, url), get(client, url)
    normalise = lambda html: re.sub(r"\s+", " ", without_tokens(html))  # noqa: E731
    assert normalise(filled) == normalise(fresh)
    assert normalise(served) == normalise(fresh)


@pytest.mark.parametrize("size", [3, 30])
def test_a_convention_page_from_the_cache_costs_few_queries_whatever_its_size(client, cache_on, size):
    convention = full_convention(size)
    client.force_login(epci_member(convention))
    get(client, detail_url(convention))
    with CaptureQueriesContext(connection) as queries:
        get(client, detail_url(convention))
    assert len(queries) <= CACHED_DETAIL_MAX_QUERIES


def test_a_review_page_from_the_cache_costs_few_queries(client, cache_on, review_convention):  # noqa: F811
    client.force_login(review_convention.officer)
    get(client, review_url(review_convention))
    with CaptureQueriesContext(connection) as queries:
        get(client, review_url(review_convention))
    assert len(queries) <= CACHED_REVIEW_MAX_QUERIES


def test_an_article_edited_through_the_service_shows_on_the_cached_page(client, cache_on):
    convention = full_convention(3)
    article = ArticleFactory(convention=convention, title="Objet")
    staff = epci_member(convention)
    client.force_login(staff)
    assert "Objet" in get(client, detail_url(convention))
    article_update(article=article, by=staff, title="Objet révisé", body="Le texte.")
    render_cache.forget_changes()  # the next request
    assert "Objet révisé" in get(client, detail_url(convention))


def test_a_fiche_status_changed_through_the_service_shows_on_the_cached_page(client, cache_on):
    convention = full_convention(3)
    staff = epci_member(convention)
    client.force_login(staff)
    before = get(client, detail_url(convention))
    action = convention.action_plan.orientations.first().actions.first()
    action_update_status_progress(action=action, status=ActionStatus.IN_PROGRESS, progress=60, by=staff)
    render_cache.forget_changes()
    after = get(client, detail_url(convention))
    assert after != before
    assert "60" in re.sub(r"\s+", " ", after)


def test_a_comment_added_shows_on_the_cached_review_page(client, cache_on, review_convention):  # noqa: F811
    convention = review_convention
    client.force_login(convention.officer)
    assert "Vérifier les dates" not in get(client, review_url(convention))
    response = client.post(
        reverse("workflow:review_comment_create", args=[convention.pk]),
        {"anchor": "general", "body": "Vérifier les dates."},
    )
    assert response.status_code == 302
    assert ReviewComment.objects.filter(convention=convention).count() == 1
    assert "Vérifier les dates" in get(client, review_url(convention))


def test_a_second_reader_gets_their_own_csrf_token_and_nothing_of_the_first(cache_on, review_convention):  # noqa: F811
    convention = review_convention
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    other_officer = type(convention.officer).objects.create_user(username="second.officer")
    convention.officer.first_name, convention.officer.last_name = "Hortense", "Premièrelectrice"
    convention.officer.save()
    MembershipFactory(user=other_officer, organisation=convention.parties.get(organisation__kind="caf").organisation)
    first.force_login(convention.officer)
    second.force_login(other_officer)
    first_page = get(first, review_url(convention))
    second_page = get(second, review_url(convention))  # from the cache filled by the first
    assert "Premièrelectrice" in first_page  # the navigation bar names its reader…
    assert "Premièrelectrice" not in second_page  # …never the cached part
    assert render_cache.CSRF_PLACEHOLDER not in second_page
    token = CSRF_INPUT.search(second_page).group(0).split('value="')[1].rstrip('"')
    response = second.post(
        reverse("workflow:review_comment_create", args=[convention.pk]),
        {"anchor": "general", "body": "Une remarque.", "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302  # accepted: the token is the second reader's own
