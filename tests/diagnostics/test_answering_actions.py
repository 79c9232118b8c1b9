"""A need lists its first answering fiches on the diagnostic page; the others load on demand (htmx),
or, without JavaScript, on the page itself unfolded at that need."""

import pytest
from django.urls import reverse

from diagnostics.selectors import ANSWERS_SHOWN
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
ANSWERS = ANSWERS_SHOWN + 3


@pytest.fixture
def need(territory):
    need = FindingFactory(diagnostic=territory.diagnostic, title="Besoin de places")
    orientation = StrategicOrientationFactory(plan__convention=territory.convention, position=1)
    for number in range(1, ANSWERS + 1):
        ActionFactory(orientation=orientation, code=f"1.{number}", position=number, title=f"Fiche {number}")
    need.answering_actions.set(orientation.actions.all())
    return need


def _url(territory, need):
    return reverse("diagnostics:answering_actions", args=[territory.convention.pk, need.pk])


def test_the_page_shows_the_first_answers_and_a_link_to_the_others(client, territory, need):
    client.force_login(territory.reader)
    html = client.get(reverse("diagnostics:detail", args=[territory.convention.pk])).content.decode()
    assert html.count('<span class="action-code">') == ANSWERS_SHOWN
    assert "Fiche 1</a>" in html and f"Fiche {ANSWERS}</a>" not in html
    assert f'hx-get="{_url(territory, need)}"' in html
    link = html[html.index(f'hx-get="{_url(territory, need)}"') :]
    assert " 3 " in link[: link.index("</a>")]  # « Afficher les 3 autres fiches actions »


def test_htmx_brings_every_answer_in_few_queries(client, territory, need, django_assert_max_num_queries):
    client.force_login(territory.reader)
    with django_assert_max_num_queries(10):
        response = client.get(_url(territory, need), **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith(f'<div class="small answering-actions" id="answers-{need.pk}">')
    assert html.count('<span class="action-code">') == ANSWERS
    assert "hx-get" not in html  # nothing left to unfold


def test_without_javascript_the_page_unfolds_that_need(client, territory, need):
    client.force_login(territory.reader)
    response = client.get(_url(territory, need))
    detail = reverse("diagnostics:detail", args=[territory.convention.pk])
    assert response.status_code == 302
    assert response["Location"] == f"{detail}?besoin={need.pk}#finding-{need.pk}"
    html = client.get(response["Location"].split("#")[0]).content.decode()
    assert html.count('<span class="action-code">') == ANSWERS


def test_whoever_may_not_see_the_convention_gets_a_404(client, territory, need):
    client.force_login(MembershipFactory().user)
    assert client.get(_url(territory, need), **HTMX).status_code == 404


def test_a_finding_that_is_not_a_need_or_of_another_diagnostic_is_a_404(client, territory, need):
    client.force_login(territory.staff)
    strength = FindingFactory(diagnostic=territory.diagnostic, strength=True)
    elsewhere = FindingFactory()
    for finding in (strength, elsewhere):
        assert client.get(_url(territory, finding), **HTMX).status_code == 404


def test_signed_out_visitors_are_sent_to_the_login_page(client, territory, need):
    response = client.get(_url(territory, need), **HTMX)
    assert response.status_code == 302
    assert "login" in response["Location"] or "connexion" in response["Location"]
