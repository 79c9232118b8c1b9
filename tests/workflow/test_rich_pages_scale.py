"""The rich pages of one convention (convention, diagnostic, plan, budget, XLSX export) cost the same
number of queries for a small and a large plan, and the diagnostic page stays light at 600 fiches.

The conventions come from the benchmark's builder (``bench/plan_data.py``: bulk-created, a second or
two), so these tests measure the data ``make bench`` measures.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bench.plan_data import build_convention

pytestmark = pytest.mark.django_db

PAGES = (
    "workflow:detail",
    "diagnostics:detail",
    "action_plans:plan",
    "action_plans:budget",
    "action_plans:export_xlsx",
)


@pytest.fixture
def small_and_large():
    # 150 fiches: more than a page of the plan (100), so the large plan is paginated.
    return build_convention(index=0, actions=12), build_convention(index=1, actions=150)


def _queries(client, bench, url_name: str) -> tuple[int, bytes]:
    client.force_login(bench.staff_user)
    url = reverse(url_name, kwargs={"convention_pk": bench.convention.pk})
    client.get(url)  # sessions, caches: the first request of a client is not the measured one
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response.content


@pytest.mark.parametrize("url_name", PAGES)
def test_query_count_does_not_grow_with_the_plan(client, small_and_large, url_name):
    small, large = small_and_large
    small_count, _content = _queries(client, small, url_name)
    large_count, _content = _queries(client, large, url_name)
    assert large_count == small_count, f"{url_name}: {small_count} queries for 12 fiches, {large_count} for 150"


def test_the_diagnostic_page_of_600_fiches_stays_under_300_kb(client):
    bench = build_convention(index=2, actions=600)
    _count, content = _queries(client, bench, "diagnostics:detail")
    assert len(content) < 300 * 1024, f"{len(content) / 1024:.0f} KB"
    # Folded, not lost: each need shows its first fiches and a link to the others.
    html = content.decode()
    assert html.count('class="small answering-actions"') == 18
    assert "fiches-actions/" in html


def test_every_fiche_row_of_the_plan_page_is_written(client):
    bench = build_convention(index=3, actions=40)
    _count, content = _queries(client, bench, "action_plans:plan")
    html = content.decode()
    assert html.count('<tr class="action-row') == 40
    assert html.count('class="btn btn-sm btn-link p-0 quick-edit-link no-print"') == 40  # staff follow up
    assert html.count('name="csrfmiddlewaretoken"') >= 40  # move buttons post with the token
