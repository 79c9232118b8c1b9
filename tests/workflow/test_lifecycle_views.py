"""The lifecycle buttons: who sees which, what a POST does, how a refusal is told, and what the page says."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conventions.choices import ConventionStatus, LifecycleAction
from conventions.models import ReviewComment, StatusChange
from partners.choices import MembershipRole
from tests.conventions.factories import ArticleFactory, ConventionFactory, PartyFactory, force_status
from tests.partners.factories import MembershipFactory, OrganisationFactory, UserFactory
from tests.roles import ROLES
from tests.workflow.factories import make_ready_for_review
from workflow.selectors import BUTTON_LABELS
from workflow.services import lifecycle

pytestmark = pytest.mark.django_db

BUTTONS = {
    LifecycleAction.SUBMIT: "Soumettre à la CAF pour relecture",
    LifecycleAction.WITHDRAW: "Retirer de la relecture",
    LifecycleAction.REQUEST_CHANGES: "Demander des modifications",
    LifecycleAction.APPROVE: "Approuver le texte",
    LifecycleAction.RESUME_DRAFTING: "Reprendre la rédaction",
    LifecycleAction.OPEN_SIGNATURE: "Ouvrir la signature",
    LifecycleAction.TERMINATE: "Résilier la convention",
    LifecycleAction.OPEN_AMENDMENT: "Ouvrir un avenant",
}


@pytest.fixture
def convention():
    """A draft with the CAF du Causse and a commune as signatories, its staff, officer and a reader."""
    convention = ConventionFactory(period_start=datetime.date(2030, 1, 1), period_end=datetime.date(2033, 12, 31))
    caf = PartyFactory(
        convention=convention, organisation=OrganisationFactory(caf=True, name="Caisse", short_name="CAF du Causse")
    )
    PartyFactory(convention=convention, organisation=OrganisationFactory(commune=True), signing_order=2)
    ArticleFactory(convention=convention, position=1, title="Objet")
    convention.staff = MembershipFactory(organisation=convention.epci).user
    convention.officer = MembershipFactory(organisation=caf.organisation).user
    convention.reader = MembershipFactory(organisation=convention.epci, role=MembershipRole.READER).user
    return make_ready_for_review(convention, epci_signing_order=2)


def transition_url(convention, action) -> str:
    return reverse("workflow:transition", args=[convention.pk, action])


def detail_url(convention) -> str:
    return reverse("workflow:detail", args=[convention.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def post(client, user, convention, action, **data):
    client.force_login(user)
    data.setdefault("expected_status", convention.current_status)
    return client.post(transition_url(convention, action), data)


# --- POST: what each action does ---------------------------------------------------------------------------


def test_staff_submit_and_are_told_what_comes_next(client, convention):
    response = post(client, convention.staff, convention, "submit", comment="Prêt")
    assert response.status_code == 302
    assert response.url == detail_url(convention)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_REVIEW
    change = StatusChange.objects.get(convention=convention)
    assert (change.action, change.actor, change.comment) == (LifecycleAction.SUBMIT, convention.staff, "Prêt")
    assert change.ip_address == "127.0.0.1"  # the client's address, for the audit trail
    [message] = messages_of(response)
    assert "transmise à la CAF pour relecture" in message


def test_the_officer_approves_and_the_message_gives_the_version_and_its_fingerprint(client, convention):
    force_status(convention, ConventionStatus.IN_REVIEW)
    response = post(client, convention.officer, convention, "approve")
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.APPROVED
    version = convention.approved_version
    [message] = messages_of(response)
    assert f"version {version.number}" in message
    assert version.content_sha256[:12] in message
    assert "ouvrir la signature" in message


def test_requesting_changes_with_an_open_comment_and_a_reason(client, convention):
    force_status(convention, ConventionStatus.IN_REVIEW)
    ReviewComment.objects.create(convention=convention, author=convention.officer, body="Article 1 à revoir")
    response = post(client, convention.officer, convention, "request_changes", comment="Voir l'article 1")
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.CHANGES_REQUESTED
    assert "Modifications demandées" in messages_of(response)[0]


def test_a_missing_reason_shows_the_form_again_with_the_error_and_changes_nothing(client, convention):
    force_status(convention, ConventionStatus.SIGNED)
    response = post(client, convention.staff, convention, "terminate", comment="   ")
    assert response.status_code == 200
    content = response.content.decode()
    assert "Donnez le motif" in content
    assert 'name="expected_status" value="signed"' in content
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    assert not StatusChange.objects.exists()


def test_terminating_with_a_reason(client, convention):
    force_status(convention, ConventionStatus.SIGNED)
    response = post(client, convention.staff, convention, "terminate", comment="Fusion des EPCI")
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.TERMINATED
    assert StatusChange.objects.get(action=LifecycleAction.TERMINATE).comment == "Fusion des EPCI"
    assert "résiliée" in messages_of(response)[0]


def test_opening_an_amendment_says_which_text_stays_in_force(client, convention):
    force_status(convention, ConventionStatus.SIGNED)
    response = post(client, convention.staff, convention, "open_amendment")
    convention.refresh_from_db()
    assert (convention.status, convention.amendment_number) == (ConventionStatus.DRAFT, 1)
    [message] = messages_of(response)
    assert "Avenant n° 1" in message
    assert f"Le texte signé (version {convention.signed_version.number}) reste en vigueur" in message


def test_the_review_page_can_ask_to_come_back_to_it(client, convention):
    response = post(client, convention.staff, convention, "submit", origin="review")
    assert response.url == reverse("workflow:review", args=[convention.pk])


def test_an_unknown_origin_comes_back_to_the_convention_page(client, convention):
    response = post(client, convention.staff, convention, "submit", origin="https://example.org/")
    assert response.url == detail_url(convention)


# --- Refusals ------------------------------------------------------------------------------------------------


def test_a_stale_tab_is_refused_with_a_message_and_nothing_recorded(client, convention):
    force_status(convention, ConventionStatus.IN_REVIEW)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.WITHDRAW, by=convention.staff)
    recorded = StatusChange.objects.count()
    response = post(client, convention.officer, convention, "approve", expected_status=ConventionStatus.IN_REVIEW)
    assert response.status_code == 302
    [message] = messages_of(response)
    assert "entre-temps" in message
    assert StatusChange.objects.count() == recorded
    assert not convention.versions.exists()


def test_a_refused_transition_says_why(client, convention):
    force_status(convention, ConventionStatus.IN_REVIEW)
    ReviewComment.objects.create(convention=convention, author=convention.officer, body="À revoir")
    response = post(client, convention.officer, convention, "approve")
    assert response.status_code == 302
    assert "encore ouvert" in messages_of(response)[0]
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_REVIEW


def test_a_post_without_the_expected_status_is_refused(client, convention):
    client.force_login(convention.staff)
    response = client.post(transition_url(convention, "submit"), {"comment": ""})
    assert response.status_code == 200
    assert "Cette page n’est plus à jour" in response.content.decode()
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT


@pytest.mark.parametrize("who", ["reader", "officer"])
def test_a_wrong_role_gets_a_message_and_nothing_changes(client, convention, who):
    response = post(client, getattr(convention, who), convention, "submit")
    assert response.status_code == 302
    assert response.url == detail_url(convention)
    assert messages_of(response)
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT
    assert not StatusChange.objects.exists()


def test_an_outsider_gets_a_404(client, convention):
    response = post(client, UserFactory(), convention, "submit")
    assert response.status_code == 404
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.DRAFT


@pytest.mark.parametrize("action", ["complete_signature", "decline", "expire", "enter_into_force", "destroy"])
def test_an_action_that_is_not_a_button_is_a_404(client, convention, action):
    force_status(convention, ConventionStatus.IN_SIGNATURE)
    response = post(client, convention.staff, convention, action, comment="Motif")
    assert response.status_code == 404
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.IN_SIGNATURE


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_only_post_is_accepted(client, convention, method):
    client.force_login(convention.staff)
    response = getattr(client, method)(transition_url(convention, "submit"))
    assert response.status_code == 405


def test_anonymous_users_are_sent_to_the_login_page(client, convention):
    response = client.post(transition_url(convention, "submit"), {"expected_status": "draft"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


# --- The confirmation page (without JavaScript) ----------------------------------------------------------


def test_the_confirmation_page_holds_the_form(client, convention):
    force_status(convention, ConventionStatus.SIGNED)
    client.force_login(convention.staff)
    response = client.get(reverse("workflow:transition_confirm", args=[convention.pk, "terminate"]))
    assert response.status_code == 200
    content = response.content.decode()
    assert f'action="{transition_url(convention, "terminate")}"' in content
    assert 'name="expected_status" value="in_force"' not in content  # its period lies ahead: signed
    assert 'name="expected_status" value="signed"' in content
    assert "Motif" in content
    assert "required" in content


def test_the_confirmation_page_refuses_who_may_not_act(client, convention):
    client.force_login(convention.reader)
    response = client.get(reverse("workflow:transition_confirm", args=[convention.pk, "submit"]))
    assert response.status_code == 302
    assert messages_of(response)


def test_the_confirmation_page_of_an_outsider_is_a_404(client, convention):
    client.force_login(UserFactory())
    response = client.get(reverse("workflow:transition_confirm", args=[convention.pk, "submit"]))
    assert response.status_code == 404


# --- The bar on the convention page ------------------------------------------------------------------------

VISIBLE_BUTTONS = {
    # (status, role): the buttons shown
    (ConventionStatus.DRAFT, "epci_staff"): {LifecycleAction.SUBMIT},
    (ConventionStatus.IN_REVIEW, "epci_staff"): {LifecycleAction.WITHDRAW},
    (ConventionStatus.IN_REVIEW, "caf_officer"): {LifecycleAction.APPROVE, LifecycleAction.REQUEST_CHANGES},
    (ConventionStatus.CHANGES_REQUESTED, "epci_staff"): {LifecycleAction.RESUME_DRAFTING},
    (ConventionStatus.APPROVED, "epci_staff"): {LifecycleAction.OPEN_SIGNATURE},
    (ConventionStatus.APPROVED, "caf_officer"): {LifecycleAction.OPEN_SIGNATURE},
    (ConventionStatus.SIGNED, "epci_staff"): {LifecycleAction.TERMINATE, LifecycleAction.OPEN_AMENDMENT},
    (ConventionStatus.SIGNED, "caf_officer"): {LifecycleAction.TERMINATE},
}


@pytest.mark.parametrize(
    "status",
    [
        ConventionStatus.DRAFT,
        ConventionStatus.IN_REVIEW,
        ConventionStatus.CHANGES_REQUESTED,
        ConventionStatus.APPROVED,
        ConventionStatus.SIGNED,
        ConventionStatus.TERMINATED,
    ],
)
@pytest.mark.parametrize(
    "role", [r for r in ROLES if r not in ("other_epci_staff", "other_caf_officer", "unrelated_user")]
)
def test_each_role_sees_the_buttons_of_its_abilities(client, world, status, role):
    convention, users = world
    force_status(convention, status)
    client.force_login(users[role])
    content = client.get(detail_url(convention)).content.decode()
    shown = {action for action in BUTTON_LABELS if f'data-action="{action}"' in content}
    # A draft not ready for the review shows its submit button disabled (tests/workflow/test_readiness.py).
    waiting = {LifecycleAction.SUBMIT} if "submit-not-ready" in content else set()
    assert shown | waiting == VISIBLE_BUTTONS.get((status, role), set())
    assert not shown & waiting
    for action in shown:
        assert BUTTONS[action] in content
        assert f'action="{transition_url(convention, action)}"' in content


def test_the_bar_says_since_when_the_caf_reviews_it(client, convention):
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    client.force_login(convention.staff)
    content = client.get(detail_url(convention)).content.decode()
    day = timezone.localtime(StatusChange.objects.get().occurred_at).strftime("%d/%m/%Y")
    assert f"En relecture par la CAF du Causse depuis le {day}" in content


def test_the_bar_quotes_the_reason_of_the_changes_requested(client, convention):
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    ReviewComment.objects.create(convention=convention, author=convention.officer, body="À revoir")
    lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.REQUEST_CHANGES,
        by=convention.officer,
        comment="Préciser les financements",
    )
    client.force_login(convention.staff)
    content = client.get(detail_url(convention)).content.decode()
    assert "CAF du Causse a demandé des modifications le" in content
    assert "Préciser les financements" in content


def test_the_bar_of_an_amendment_says_which_text_stays_in_force(client, convention):
    convention.period_start = datetime.date(2024, 1, 1)
    convention.save()
    force_status(convention, ConventionStatus.SIGNED)
    lifecycle.convention_transition(
        convention=convention,
        action=LifecycleAction.OPEN_AMENDMENT,
        by=convention.staff,
        expected_status=ConventionStatus.IN_FORCE,
    )
    client.force_login(convention.staff)
    content = client.get(detail_url(convention)).content.decode()
    number = convention.signed_version.number
    assert f"Avenant n° 1 en cours de rédaction — le texte en vigueur reste la version {number}" in content


def detail_queries(client, convention) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(detail_url(convention)).status_code == 200
    return len(queries)


def test_the_bar_costs_no_query_per_party_or_step(client, convention):
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    client.force_login(convention.staff)
    few = detail_queries(client, convention)
    for order in range(3, 13):
        PartyFactory(convention=convention, organisation=OrganisationFactory(caf=True), signing_order=order)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.WITHDRAW, by=convention.staff)
    lifecycle.convention_transition(convention=convention, action=LifecycleAction.SUBMIT, by=convention.staff)
    assert detail_queries(client, convention) == few
