"""The plan, fiche and budget pages and the plan's workbook come from the render cache when nothing
changed: a change shows at once, each user gets their own CSRF token, and a cached page answers with
fewer queries than a fresh one."""

import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.services import monitoring
from conventions import render_cache
from tests.action_plans.factories import FundingLineFactory, populated_plan
from tests.conventions.factories import ConventionFactory
from tests.partners.factories import MembershipFactory

pytestmark = pytest.mark.django_db

AT_73 = 'aria-valuenow="73"'
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def url(name, convention, **kwargs):
    return reverse(f"action_plans:{name}", kwargs={"convention_pk": convention.pk, **kwargs})


@pytest.fixture
def plan(db):
    convention = ConventionFactory()
    _plan, actions = populated_plan(convention, size=4)
    staff = MembershipFactory(organisation=convention.epci).user
    return convention, actions, staff


def get(client, path):
    response = client.get(path)
    assert response.status_code == 200
    render_cache.forget_changes()  # what a new request does
    return response


def queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        get(client, path)
    return len(queries)


@pytest.mark.parametrize("page_name", ["plan", "budget", "action_detail", "export_xlsx"])
def test_a_second_view_reads_the_cache(client, plan, page_name):
    convention, actions, staff = plan
    client.force_login(staff)
    kwargs = {"pk": actions[0].pk} if page_name == "action_detail" else {}
    path = url(page_name, convention, **kwargs)
    fresh = queries_of(client, path)
    assert queries_of(client, path) < fresh


def test_a_change_shows_on_the_next_view_of_each_page(client, plan):
    convention, actions, staff = plan
    action = actions[0]
    client.force_login(staff)
    pages = [url("plan", convention), url("action_detail", convention, pk=action.pk)]
    for path in pages:
        assert AT_73 not in get(client, path).content.decode()
    monitoring.action_update_status_progress(
        action=action, status=ActionStatus.IN_PROGRESS, progress=73, expected_version=action.lock_version, by=staff
    )
    render_cache.forget_changes()
    for path in pages:
        assert AT_73 in get(client, path).content.decode()


def test_budget_and_workbook_follow_a_new_funding_line(client, plan):
    convention, actions, staff = plan
    client.force_login(staff)
    assert "987\xa0654,00" not in get(client, url("budget", convention)).content.decode()
    before = get(client, url("export_xlsx", convention)).content
    FundingLineFactory(action=actions[1], amount=Decimal("987654.00"), year=2031, status=FundingStatus.PAID)
    render_cache.forget_changes()
    assert "987\xa0654,00" in get(client, url("budget", convention)).content.decode()
    funding = load_workbook(io.BytesIO(get(client, url("export_xlsx", convention)).content)).worksheets[1]
    assert 987654 in [row[6] for row in funding.iter_rows(min_row=2, values_only=True)]
    assert len(load_workbook(io.BytesIO(before)).worksheets[1]["A"]) + 1 == len(funding["A"])


@pytest.mark.parametrize("page_name", ["plan", "action_detail"])
def test_each_user_gets_their_own_csrf_token_in_a_cached_page(plan, page_name):
    convention, actions, staff = plan
    kwargs = {"pk": actions[0].pk} if page_name == "action_detail" else {}
    path = url(page_name, convention, **kwargs)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(staff)
    second.force_login(MembershipFactory(organisation=convention.epci).user)
    get(first, path)  # fills the cache
    content = get(second, path).content.decode()
    assert "csrf-token-of-the-request" not in content
    tokens = CSRF.findall(content)
    assert len(tokens) >= 3  # the layout's forms, then the cached part's
    # The cached part's forms carry a token of the second user's session (the last form is in that part).
    response = second.post(
        url("action_quick_edit", convention, pk=actions[0].pk),
        {
            "status": ActionStatus.IN_PROGRESS,
            "progress": "10",
            "lock_version": actions[0].lock_version,
            "csrfmiddlewaretoken": tokens[-1],
        },
    )
    assert response.status_code == 302


def test_a_filtered_plan_and_its_workbook_are_written_afresh(client, plan):
    convention, actions, staff = plan
    client.force_login(staff)
    path = url("plan", convention) + "?q=" + actions[0].code
    assert queries_of(client, path) == queries_of(client, path)
    xlsx = url("export_xlsx", convention) + "?q=" + actions[0].code
    assert queries_of(client, xlsx) == queries_of(client, xlsx)


def test_readers_and_staff_never_share_a_cached_page(client, world):
    convention, users = world
    _plan, actions = populated_plan(convention, size=2)
    quick_edit = reverse("action_plans:action_quick_edit", args=[convention.pk, actions[0].pk])
    for page_name, kwargs in (("plan", {}), ("action_detail", {"pk": actions[0].pk})):
        client.force_login(users["epci_staff"])
        assert quick_edit in get(client, url(page_name, convention, **kwargs)).content.decode()
        client.force_login(users["caf_officer"])
        assert quick_edit not in get(client, url(page_name, convention, **kwargs)).content.decode()
