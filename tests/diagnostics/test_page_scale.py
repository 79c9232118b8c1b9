"""The diagnostic page at the size of a large plan: its weight, its queries, and its cached part.

The page below the introduction is kept in the render cache (``diagnostics/fragments.py``): these tests
check that it is read again only while nothing shown has changed, that it never holds a CSRF token, and
that a reader and an editor never get each other's.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.plan_data import build_convention
from diagnostics.fragments import CSRF_SLOT
from diagnostics.models import Finding
from partners.choices import MembershipRole
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOOLS = re.compile(r'<div class="finding-tools no-print".*?</div>')


@pytest.fixture
def large():
    """The benchmark's convention: 600 fiches answering 18 needs some 900 times, 42 findings."""
    return build_convention(index=4, actions=600)


@pytest.fixture
def plan():
    """The same shape with 120 fiches (some 10 for each need): quicker to build."""
    return build_convention(index=5, actions=120)


def _get(client, convention, **extra):
    address = reverse("diagnostics:detail", kwargs={"convention_pk": convention.pk})
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address, **extra)
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def _visible(html: str) -> str:
    """The page without the tokens that change from one request to the next."""
    return re.sub(r'value="[^"]{32,}"|"X-CSRFToken": "[^"]+"', "", html)


def test_the_page_of_600_fiches_stays_under_300_kb_with_every_finding_and_tool(client, large):
    client.force_login(large.staff_user)
    html, _count = _get(client, large.convention)
    findings = Finding.objects.filter(diagnostic__convention=large.convention).count()
    assert len(html.encode()) < 300 * 1024, f"{len(html.encode()) / 1024:.0f} KB"
    assert html.count('<li class="finding"') == findings
    assert html.count('class="finding-tools no-print"') == findings  # the staff edit a draft
    assert html.count('class="small answering-actions"') == 18
    assert html.count('<span class="action-code">') == 18 * 4  # the first four of each need, the others on demand


def test_the_cached_part_is_read_again_in_fewer_queries_and_gives_the_same_html(client, plan, settings):
    client.force_login(plan.staff_user)
    settings.RENDER_CACHE_ENABLED = False
    _get(client, plan.convention)  # sessions, caches: the first request of a client is not the measured one
    fresh, fresh_count = _get(client, plan.convention)
    settings.RENDER_CACHE_ENABLED = True
    _get(client, plan.convention)  # written to the cache
    cached, cached_count = _get(client, plan.convention)
    assert _visible(fresh) == _visible(cached)
    assert cached_count < fresh_count


def test_a_change_shows_at_once(client, plan):
    client.force_login(plan.staff_user)
    before, _count = _get(client, plan.convention)
    domain = plan.convention.domains.order_by("position").first()
    add = reverse(
        "diagnostics:finding_add",
        kwargs={"convention_pk": plan.convention.pk, "domain_pk": domain.pk, "kind_slug": "besoins"},
    )
    assert client.post(add, {"title": "Horaires atypiques", "priority": 2}, **HTMX).status_code == 200
    after, _count = _get(client, plan.convention)
    assert "Horaires atypiques" not in before and "Horaires atypiques" in after


def _tool_tokens(html: str) -> list[str]:
    """The CSRF tokens of the findings' forms (move, delete), not those of the page's other forms."""
    return [token for tools in TOOLS.findall(html) for token in TOKEN.findall(tools)]


def test_no_csrf_token_is_cached_and_each_editor_posts_with_their_own(plan):
    editors = [Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)]
    for editor in editors:
        editor.force_login(plan.staff_user)
    pages = [_get(editor, plan.convention)[0] for editor in editors]  # the second one read from the cache
    tokens = [_tool_tokens(page) for page in pages]
    assert len(tokens[0]) == 2 * Finding.objects.filter(diagnostic__convention=plan.convention).count()
    assert len(set(tokens[0])) == 1 and len(set(tokens[1])) == 1  # one token per page, in every form
    assert tokens[0][0] != tokens[1][0]
    assert all(CSRF_SLOT not in page for page in pages)
    # The token written in the second (cached) page is the second editor's: their move is accepted.
    finding = Finding.objects.filter(diagnostic__convention=plan.convention).order_by("position", "pk").last()
    move = reverse("diagnostics:finding_move", kwargs={"convention_pk": plan.convention.pk, "pk": finding.pk})
    refused = editors[1].post(move, {"direction": "up", "csrfmiddlewaretoken": "x" * 64})
    accepted = editors[1].post(move, {"direction": "up", "csrfmiddlewaretoken": tokens[1][0]})
    assert (refused.status_code, accepted.status_code) == (403, 302)


def test_a_reader_never_gets_the_editors_cached_page(client, plan):
    reader = MembershipFactory(organisation=plan.convention.epci, role=MembershipRole.READER).user
    client.force_login(plan.staff_user)
    editor_page, _count = _get(client, plan.convention)
    client.force_login(reader)
    reader_page, _count = _get(client, plan.convention)
    assert "finding-tools" in editor_page
    assert "finding-tools" not in reader_page
    assert not _tool_tokens(reader_page) and CSRF_SLOT not in reader_page


def test_the_page_unfolded_at_one_need_lists_all_its_fiches(client, plan):
    need = Finding.objects.filter(diagnostic__convention=plan.convention, kind="need").order_by("pk").first()
    client.force_login(plan.staff_user)
    folded, _count = _get(client, plan.convention)
    unfolded, _count = _get(client, plan.convention, QUERY_STRING=f"besoin={need.pk}")
    answers = need.answering_actions.count()
    assert answers > 4
    assert unfolded.count('<span class="action-code">') == folded.count('<span class="action-code">') - 4 + answers
    # The folded page, cached, is not the unfolded one.
    assert _get(client, plan.convention)[0].count('<span class="action-code">') == 18 * 4


def test_a_finding_added_by_a_service_elsewhere_refreshes_the_cached_page(client, plan):
    client.force_login(plan.staff_user)
    _get(client, plan.convention)
    finding = Finding.objects.filter(diagnostic__convention=plan.convention).first()
    FindingFactory(diagnostic=finding.diagnostic, domain=finding.domain, title="Constat ajouté ailleurs")
    assert "Constat ajouté ailleurs" in _get(client, plan.convention)[0]
