"""The follow-up endpoints: htmx partials for staff, 403 with a message for readers, 404 for others."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import ProgressUpdate
from conventions.choices import ConventionStatus
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    populated_plan,
)
from tests.conventions.factories import ConventionFactory, force_status
from tests.partners.factories import MembershipFactory
from tests.roles import EXPECTED, ROLES

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}
PROGRESS_ERROR = "L’avancement doit être compris entre 0 et 100"


@pytest.fixture
def setup(world):
    convention, users = world
    action = ActionFactory(
        orientation__plan__convention=convention, code="1.1", progress=20, end_date=datetime.date(2099, 1, 1)
    )
    FundingLineFactory(action=action, amount=Decimal("1000.00"))
    other = ActionFactory(orientation=action.orientation, code="1.2", progress=100, end_date=datetime.date(2099, 1, 1))
    FundingLineFactory(action=other, amount=Decimal("3000.00"))
    line = FundingLineFactory(action=action, year=2025, amount=Decimal("500.00"))
    indicator = EvaluationIndicatorFactory(action=action)
    return convention, users, action, line, indicator


def endpoint(name, convention, pk):
    return reverse(f"action_plans:{name}", kwargs={"convention_pk": convention.pk, "pk": pk})


def valid_post(name, setup):
    _convention, _users, action, line, indicator = setup
    today = timezone.localdate().isoformat()
    return {
        "action_quick_edit": (
            action.pk,
            {"status": ActionStatus.IN_PROGRESS, "progress": "55", "lock_version": action.lock_version},
        ),
        "progress_update_create": (action.pk, {"reported_on": today, "progress": "55", "comment": "Point"}),
        "indicator_value_edit": (indicator.pk, {"current_value": "12,5"}),
        "funding_status_edit": (line.pk, {"status": FundingStatus.PAID}),
    }[name]


ENDPOINTS = ["action_quick_edit", "progress_update_create", "indicator_value_edit", "funding_status_edit"]


# --- Permission matrix --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ENDPOINTS)
def test_only_epci_staff_may_follow_up(client, setup, role, name):
    convention, users, action, line, indicator = setup
    pk, data = valid_post(name, setup)
    client.force_login(users[role])
    response = client.post(endpoint(name, convention, pk), data, headers=HTMX)
    if role == "epci_staff":
        assert response.status_code == 200
    elif EXPECTED[role][0]:
        assert response.status_code == 403
        assert response["HX-Retarget"] == "#monitoring-alerts"
        assert "Seul le personnel de l’intercommunalité" in response.content.decode()
    else:
        assert response.status_code == 404
    action.refresh_from_db()
    line.refresh_from_db()
    indicator.refresh_from_db()
    changed = (action.progress == 55, line.status == FundingStatus.PAID, indicator.current_value is not None)
    assert any(changed) is (role == "epci_staff")


@pytest.mark.parametrize("name", ENDPOINTS)
def test_a_refusal_without_htmx_is_a_403_page_with_its_message(client, setup, name):
    convention, users, *_ = setup
    pk, data = valid_post(name, setup)
    client.force_login(users["caf_officer"])
    response = client.post(endpoint(name, convention, pk), data)
    assert response.status_code == 403
    assert "Seul le personnel de l’intercommunalité" in response.content.decode()


@pytest.mark.parametrize("name", ["action_quick_edit", "indicator_value_edit", "funding_status_edit"])
def test_readers_cannot_open_the_edit_forms_either(client, setup, name):
    convention, users, *_ = setup
    pk, _data = valid_post(name, setup)
    client.force_login(users["copil_member"])
    assert client.get(endpoint(name, convention, pk), headers=HTMX).status_code == 403


@pytest.mark.parametrize("name", ENDPOINTS)
def test_follow_up_stays_open_on_a_signed_convention(client, setup, name):
    convention, users, *_ = setup
    force_status(convention, ConventionStatus.SIGNED)
    pk, data = valid_post(name, setup)
    client.force_login(users["epci_staff"])
    assert client.post(endpoint(name, convention, pk), data, headers=HTMX).status_code == 200


def test_an_object_of_another_convention_answers_404(client, setup):
    convention, users, *_ = setup
    elsewhere = ActionFactory()
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("action_quick_edit", convention, elsewhere.pk),
        {"status": "done", "progress": "1", "lock_version": elsewhere.lock_version},
        headers=HTMX,
    )
    assert response.status_code == 404


# --- Quick edit of status and progress ----------------------------------------------------------


def test_quick_edit_form_is_an_htmx_partial(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.get(endpoint("action_quick_edit", convention, action.pk) + "?origin=plan", headers=HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert f'id="action-{action.pk}-monitoring"' in content
    assert 'name="progress"' in content and 'value="20"' in content


def test_quick_edit_without_htmx_leads_to_the_fiche(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.get(endpoint("action_quick_edit", convention, action.pk))
    assert response.status_code == 302
    assert response.url == endpoint("action_detail", convention, action.pk)


def test_quick_edit_cancel_gives_the_cell_back(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    content = client.get(
        endpoint("action_quick_edit", convention, action.pk) + "?cancel=1&origin=plan", headers=HTMX
    ).content.decode()
    assert 'aria-valuenow="20"' in content
    assert "<form" not in content


def test_quick_edit_saves_and_refreshes_the_rollups_out_of_band(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("action_quick_edit", convention, action.pk),
        {"status": ActionStatus.IN_PROGRESS, "progress": "60", "origin": "plan", "lock_version": action.lock_version},
        headers=HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert 'aria-valuenow="60"' in content
    assert "Enregistré" in content
    # Orientation: (60 × 1500 + 100 × 3000) / 4500 = 86.7 → 87 %.
    assert f'id="orientation-{action.orientation_id}-rollup"' in content
    assert 'aria-valuenow="87"' in content
    assert 'id="plan-summary"' in content and 'id="domain-rollups"' in content
    assert content.count('hx-swap-oob="true"') == 3
    action.refresh_from_db()
    assert (action.status, action.progress) == (ActionStatus.IN_PROGRESS, 60)
    assert action.history.latest().history_user == users["epci_staff"]


def test_quick_edit_from_the_fiche_sends_no_plan_rollups(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("action_quick_edit", convention, action.pk),
        {"status": ActionStatus.DONE, "progress": "100", "origin": "fiche", "lock_version": action.lock_version},
        headers=HTMX,
    ).content.decode()
    assert "hx-swap-oob" not in content
    assert "?origin=fiche" in content


@pytest.mark.parametrize("progress", ["150", "-1", "beaucoup", ""])
def test_quick_edit_rejects_bad_progress_inline_and_keeps_the_input(client, setup, progress):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("action_quick_edit", convention, action.pk),
        {"status": ActionStatus.DONE, "progress": progress, "origin": "plan", "lock_version": action.lock_version},
        headers=HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<form" in content and 'aria-invalid="true"' in content
    assert "avancement" in content.lower() and "100" in content
    assert f'value="{progress}"' in content
    assert '<option value="done" selected>' in content
    action.refresh_from_db()
    assert action.progress == 20


def test_quick_edit_with_an_unknown_status_is_refused_inline(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("action_quick_edit", convention, action.pk),
        {"status": "fini", "progress": "50", "lock_version": action.lock_version},
        headers=HTMX,
    ).content.decode()
    assert "Choisissez un statut dans la liste." in content


def test_quick_edit_without_htmx_redirects_with_a_message(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("action_quick_edit", convention, action.pk),
        {"status": "done", "progress": "100", "lock_version": action.lock_version},
        follow=True,
    )
    assert response.redirect_chain[-1][0].startswith(reverse("action_plans:plan", args=[convention.pk]))
    assert "Statut et avancement de la fiche 1.1 enregistrés." in response.content.decode()


def test_quick_edit_query_count_does_not_grow(client, django_assert_max_num_queries):
    counts = []
    for size in (3, 30):
        convention = ConventionFactory()
        _plan, actions = populated_plan(convention, size=size)
        client.force_login(MembershipFactory(organisation=convention.epci).user)
        with django_assert_max_num_queries(30), CaptureQueriesContext(connection) as queries:
            response = client.post(
                endpoint("action_quick_edit", convention, actions[0].pk),
                {"status": "done", "progress": "100", "origin": "plan", "lock_version": actions[0].lock_version},
                headers=HTMX,
            )
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Progress updates ---------------------------------------------------------------------------


def test_a_progress_update_returns_the_timeline_and_the_new_progress(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("progress_update_create", convention, action.pk),
        {"reported_on": timezone.localdate().isoformat(), "progress": "65", "comment": "Comité de suivi tenu."},
        headers=HTMX,
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert '<section id="suivi"' in content
    assert "Comité de suivi tenu." in content
    assert "Point d’étape enregistré." in content
    assert f'id="action-{action.pk}-monitoring"' in content and 'hx-swap-oob="true"' in content
    assert 'aria-valuenow="65"' in content
    update = ProgressUpdate.objects.get()
    assert (update.author, update.progress) == (users["epci_staff"], 65)
    action.refresh_from_db()
    assert action.progress == 65


def test_a_future_progress_update_is_refused_and_keeps_what_was_typed(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    content = client.post(
        endpoint("progress_update_create", convention, action.pk),
        {"reported_on": tomorrow, "progress": "65", "comment": "Écrit trop tôt."},
        headers=HTMX,
    ).content.decode()
    assert "La date d’un point d’étape ne peut pas être dans le futur." in content
    assert f'value="{tomorrow}"' in content
    assert "Écrit trop tôt." in content
    assert not ProgressUpdate.objects.exists()


def test_a_progress_update_without_htmx_shows_the_page_again_with_errors(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("progress_update_create", convention, action.pk),
        {"reported_on": "", "progress": "250", "comment": "Gardé"},
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" in content
    assert PROGRESS_ERROR in content
    assert "Indiquez la date de ce point d’étape." in content
    assert "Gardé" in content


def test_a_progress_update_without_htmx_redirects_to_the_timeline(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    response = client.post(
        endpoint("progress_update_create", convention, action.pk),
        {"reported_on": timezone.localdate().isoformat(), "progress": "30"},
    )
    assert response.status_code == 302
    assert response.url == endpoint("action_detail", convention, action.pk) + "#suivi"


def test_progress_updates_only_accept_posts(client, setup):
    convention, users, action, *_ = setup
    client.force_login(users["epci_staff"])
    assert client.get(endpoint("progress_update_create", convention, action.pk)).status_code == 405


# --- Indicators and funding lines ---------------------------------------------------------------


def test_indicator_value_accepts_a_french_decimal(client, setup):
    convention, users, _action, _line, indicator = setup
    client.force_login(users["epci_staff"])
    form = client.get(endpoint("indicator_value_edit", convention, indicator.pk), headers=HTMX).content.decode()
    assert 'name="current_value"' in form
    content = client.post(
        endpoint("indicator_value_edit", convention, indicator.pk), {"current_value": "12,5"}, headers=HTMX
    ).content.decode()
    assert "12,5" in content and "Enregistré" in content
    indicator.refresh_from_db()
    assert indicator.current_value == Decimal("12.5")
    assert indicator.history.latest().history_user == users["epci_staff"]


def test_indicator_value_can_be_cleared(client, setup):
    convention, users, _action, _line, indicator = setup
    indicator.current_value = Decimal("4")
    indicator.save()
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("indicator_value_edit", convention, indicator.pk), {"current_value": ""}, headers=HTMX
    ).content.decode()
    assert "non mesurée" in content
    indicator.refresh_from_db()
    assert indicator.current_value is None


def test_indicator_value_rejects_text_inline(client, setup):
    convention, users, _action, _line, indicator = setup
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("indicator_value_edit", convention, indicator.pk), {"current_value": "douze"}, headers=HTMX
    ).content.decode()
    assert "Indiquez un nombre, par exemple 12 ou 12,5." in content
    assert 'value="douze"' in content
    indicator.refresh_from_db()
    assert indicator.current_value is None


def test_funding_status_change_refreshes_the_fiche_totals(client, setup):
    convention, users, _action, line, _indicator = setup
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("funding_status_edit", convention, line.pk), {"status": FundingStatus.PAID}, headers=HTMX
    ).content.decode()
    assert "Versé" in content
    assert 'id="funding-totals"' in content and 'hx-swap-oob="true"' in content
    line.refresh_from_db()
    assert line.status == FundingStatus.PAID
    assert line.amount == Decimal("500.00")


def test_funding_status_rejects_an_unknown_status(client, setup):
    convention, users, _action, line, _indicator = setup
    client.force_login(users["epci_staff"])
    content = client.post(
        endpoint("funding_status_edit", convention, line.pk), {"status": "depense"}, headers=HTMX
    ).content.decode()
    assert "Choisissez un statut dans la liste." in content
    line.refresh_from_db()
    assert line.status == FundingStatus.PLANNED


def test_funding_amount_cannot_be_changed_through_the_status_endpoint(client, setup):
    convention, users, _action, line, _indicator = setup
    client.force_login(users["epci_staff"])
    client.post(
        endpoint("funding_status_edit", convention, line.pk),
        {"status": FundingStatus.GRANTED, "amount": "1", "year": "2000"},
        headers=HTMX,
    )
    line.refresh_from_db()
    assert (line.status, line.amount, line.year) == (FundingStatus.GRANTED, Decimal("500.00"), 2025)
