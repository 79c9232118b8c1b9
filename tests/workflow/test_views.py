"""The pages of conventions: who reaches them, what they show, and how many queries they cost."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.template.loader import get_template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from action_plans.choices import ActionStatus
from conventions.choices import ConventionStatus, GovernanceMemberRole, PartyRole
from conventions.models import Convention
from partners.choices import MembershipRole
from tests.action_plans.factories import ActionFactory, StrategicOrientationFactory
from tests.conventions.factories import (
    ConventionFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    MeetingFactory,
    PartyFactory,
    domain,
)
from tests.diagnostics.factories import ConsultationFactory, FindingFactory, IndicatorValueFactory
from tests.partners.factories import (
    DEFAULT_PASSWORD,
    MembershipFactory,
    OrganisationFactory,
    RepresentativeFactory,
    UserFactory,
)
from workflow.selectors_detail import FICHES_SHOWN_PER_ORIENTATION

pytestmark = pytest.mark.django_db

HOME_URL = reverse("workflow:home")
LOGIN_URL = reverse("login")
# Counted on SQLite and PostgreSQL alike, session, user and ATOMIC_REQUESTS savepoints included; what
# matters most is that they do not grow with the number of conventions, parties or actions.
HOME_MAX_QUERIES = 20
# The page's workflow part adds the timeline, the versions and the open review comments; for the staff
# who edit it, what the CAF's review still needs (workflow.readiness, from what the sections read already).
DETAIL_MAX_QUERIES = 23


def detail_url(convention) -> str:
    return reverse("workflow:detail", args=[convention.pk])


def html_between(content: str, start: str, end: str) -> str:
    """The part of a page from the first ``start`` to the next ``end``, to check what a block holds."""
    begin = content.index(start)
    return content[begin : content.index(end, begin)]


def epci_member(convention, role=MembershipRole.STAFF):
    return MembershipFactory(organisation=convention.epci, role=role).user


def full_convention(size: int):
    """A convention whose parties, governance, diagnostic and action plan all have ``size`` rows."""
    convention = ConventionFactory(domains=[domain("petite-enfance"), domain("jeunesse")])
    for order in range(1, size + 1):
        PartyFactory(convention=convention, signing_order=order)
        PartyFactory(convention=convention, associate=True)
    body = GovernanceBodyFactory(convention=convention)
    for _ in range(size):
        GovernanceMemberFactory(body=body)
        MeetingFactory(body=body)
    finding = FindingFactory(diagnostic__convention=convention)
    for _ in range(size):
        FindingFactory(diagnostic=finding.diagnostic, strength=True)
        IndicatorValueFactory(diagnostic=finding.diagnostic)
        ConsultationFactory(diagnostic=finding.diagnostic)
    orientation = StrategicOrientationFactory(plan__convention=convention)
    second_orientation = StrategicOrientationFactory(plan=orientation.plan)
    for number in range(size):
        action = ActionFactory(orientation=orientation if number % 2 else second_orientation)
        action.partners.set([OrganisationFactory(), OrganisationFactory()])
    return convention


# --- Access -------------------------------------------------------------------------------------


def test_anonymous_user_is_sent_to_login_from_home(client):
    response = client.get(HOME_URL)
    assert response.status_code == 302
    assert response.url == f"{LOGIN_URL}?next={HOME_URL}"


def test_anonymous_user_is_sent_to_login_from_a_convention(client):
    convention = ConventionFactory()
    response = client.get(detail_url(convention))
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN_URL}?next=")


def test_login_page_is_in_french(client):
    response = client.get(LOGIN_URL)
    content = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr">' in content
    assert "Se connecter" in content
    assert "Nom d’utilisateur" in content
    assert 'name="password"' in content


def test_login_then_lands_on_home(client):
    user = UserFactory()
    response = client.post(LOGIN_URL, {"username": user.username, "password": DEFAULT_PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == HOME_URL
    assert "Mes conventions" in response.content.decode()


def test_repeated_failed_logins_show_the_lockout_page(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory()
    for _ in range(2):
        response = client.post(LOGIN_URL, {"username": user.username, "password": "mauvais"})
    content = response.content.decode()
    assert response.status_code == 429
    assert "Compte temporairement verrouillé" in content
    assert "30 minutes" in content


def test_french_is_the_default_whatever_the_browser_asks(client):
    client.force_login(UserFactory())
    content = client.get(HOME_URL, headers={"accept-language": "en-GB,en;q=0.9"}).content.decode()
    assert '<html lang="fr">' in content
    assert "Mes conventions" in content


def test_english_is_one_click_away(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(reverse("set_language"), {"language": "en", "next": HOME_URL}, follow=True)
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "My conventions" in content


# --- Home ---------------------------------------------------------------------------------------


def test_home_lists_only_the_conventions_the_user_may_see(client):
    own_epci = ConventionFactory(title="Convention de mon intercommunalité")
    user = epci_member(own_epci)
    as_party = PartyFactory(convention__title="Convention où ma CAF signe").convention
    MembershipFactory(user=user, organisation=as_party.parties.get().organisation, role=MembershipRole.READER)
    ConventionFactory(title="Convention d'un autre territoire")
    client.force_login(user)

    response = client.get(HOME_URL)

    content = response.content.decode()
    assert set(response.context["conventions"]) == {own_epci, as_party}
    assert "Convention de mon intercommunalité" in content
    assert "Convention où ma CAF signe" in content
    assert "Convention d'un autre territoire" not in content


def test_home_shows_what_the_list_promises(client):
    convention = ConventionFactory(reference="CTG-46-2024", domains=[domain("jeunesse")], in_review=True)
    PartyFactory(convention=convention, signing_order=1)
    PartyFactory(convention=convention, signing_order=2)
    PartyFactory(convention=convention, associate=True)
    client.force_login(epci_member(convention))

    content = client.get(HOME_URL).content.decode()

    assert "CTG-46-2024" in content
    assert convention.epci.name in content
    assert "01/01/2024" in content and "31/12/2027" in content
    assert "status-convention-in-review" in content and "En relecture" in content
    assert "Jeunesse" in content
    table = html_between(content, "<table", "</table>")
    assert re.search(r'<td[^>]* class="text-end">\s*2\s*</td>', table), "two signatories, the associate not counted"


def test_home_without_conventions_explains_why(client):
    client.force_login(UserFactory())
    content = client.get(HOME_URL).content.decode()
    assert "Aucune convention pour le moment" in content
    assert "<table" not in content


def test_home_query_count_does_not_grow_with_the_conventions(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    counts = []
    # 26, then 30: more than a page both times (a list of one page reads fewer queries: its rows give
    # the counts per status, tests/workflow/test_home.py::test_a_list_of_one_page_counts_from_its_rows).
    for added in (26, 4):
        for _ in range(added):
            convention = ConventionFactory(domains=[domain("enfance"), domain("jeunesse")])
            PartyFactory(convention=convention)
            PartyFactory(convention=convention, associate=True)
            MembershipFactory(user=user, organisation=convention.epci)
        with django_assert_max_num_queries(HOME_MAX_QUERIES), CaptureQueriesContext(connection) as queries:
            response = client.get(HOME_URL)
        assert response.content.decode().count("<tr>") == 1 + len(response.context["conventions"])
        counts.append(len(queries))
    # 30 conventions: the first page of 25 (tests/workflow/test_home.py tests the pagination).
    assert len(response.context["conventions"]) == 25
    assert response.context["home"].page.paginator.count == 30
    assert counts[0] == counts[1]


# --- Detail -------------------------------------------------------------------------------------


def test_a_convention_the_user_may_not_see_answers_404(client):
    convention = ConventionFactory()
    client.force_login(MembershipFactory(organisation__intercommunality=True).user)
    response = client.get(detail_url(convention))
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


def test_detail_splits_signatories_and_associates(client):
    convention = ConventionFactory()
    caf = PartyFactory(
        convention=convention,
        organisation__name="CAF du Lot",
        representative__full_name="Claire Martin",
        representative__title="Directrice",
        signing_order=1,
    )
    PartyFactory(
        convention=convention,
        organisation=convention.epci,
        representative=RepresentativeFactory(organisation=convention.epci, full_name="Jean Dupont"),
        signing_order=2,
    )
    PartyFactory(convention=convention, organisation__name="Centre social du Causse", associate=True)
    client.force_login(epci_member(convention))

    content = client.get(detail_url(convention)).content.decode()

    signatories = html_between(content, 'class="list-group signatories"', "</ol>")
    associates = html_between(content, 'class="list-group associates"', "</ul>")
    assert "CAF du Lot" in signatories and "Claire Martin" in signatories and "Directrice" in signatories
    assert signatories.index("Claire Martin") < signatories.index("Jean Dupont"), "in signing order"
    assert "Centre social du Causse" in associates
    assert "Centre social du Causse" not in signatories
    assert caf.role == PartyRole.SIGNATORY


def test_detail_shows_an_action_with_its_code_status_and_progress(client):
    action = ActionFactory(code="2.3", title="Créer un relais petite enfance", status=ActionStatus.LATE, progress=40)
    convention = action.orientation.plan.convention
    client.force_login(epci_member(convention))

    content = client.get(detail_url(convention)).content.decode()

    row = html_between(content, '<tr class="action-row">', "</tr>")
    assert "2.3" in row and "Créer un relais petite enfance" in row
    assert "status-action-late" in row and "En retard" in row
    assert 'aria-valuenow="40"' in row
    assert "40\u00a0%" in row
    assert "Petite enfance" in row and convention.epci.display_name in row


def test_detail_shows_governance_and_diagnostic(client):
    convention = ConventionFactory()
    body = GovernanceBodyFactory(convention=convention)
    GovernanceMemberFactory(body=body, representative__full_name="Anne Roux", role=GovernanceMemberRole.CHAIR)
    MeetingFactory(body=body, agenda="Présentation du diagnostic", decisions="Plan validé à l’unanimité")
    FindingFactory(diagnostic__convention=convention, title="Manque de places en crèche")
    FindingFactory(diagnostic=convention.diagnostic, title="Réseau d’assistantes maternelles actif", strength=True)
    client.force_login(epci_member(convention))

    content = client.get(detail_url(convention)).content.decode()

    governance = html_between(content, 'id="governance"', "</section>")
    assert "Comité de pilotage" in governance and "Anne Roux" in governance and "Président" in governance
    assert "15 mars 2024" in governance and "Plan validé à l’unanimité" in governance
    diagnostic = html_between(content, 'id="diagnostic"', "</section>")
    assert "Forces" in diagnostic and "Besoins" in diagnostic
    assert diagnostic.index("Réseau d’assistantes maternelles actif") < diagnostic.index("Manque de places en crèche")


def test_draft_shows_its_drafting_phase_and_signed_convention_does_not(client):
    draft = ConventionFactory()
    signed = ConventionFactory(signed=True, epci=draft.epci)
    client.force_login(epci_member(draft))
    assert "Phase de rédaction" in client.get(detail_url(draft)).content.decode()
    assert "Phase de rédaction" not in client.get(detail_url(signed)).content.decode()


def test_reader_sees_the_read_only_badge_and_no_admin_link(client):
    convention = ConventionFactory()
    client.force_login(epci_member(convention, role=MembershipRole.READER))
    content = client.get(detail_url(convention)).content.decode()
    assert "Lecture seule" in content
    assert "/admin/" not in content


def test_epci_staff_on_a_draft_has_no_read_only_badge(client):
    convention = ConventionFactory()
    client.force_login(epci_member(convention))
    assert "Lecture seule" not in client.get(detail_url(convention)).content.decode()


def test_superuser_gets_a_link_to_the_administration(client):
    convention = ConventionFactory()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    content = client.get(detail_url(convention)).content.decode()
    assert reverse("admin:conventions_convention_change", args=[convention.pk]) in content


@pytest.mark.parametrize("size", [3, 30])
def test_detail_query_count_is_bounded(client, django_assert_max_num_queries, size):
    convention = full_convention(size)
    client.force_login(epci_member(convention))
    with django_assert_max_num_queries(DETAIL_MAX_QUERIES):
        response = client.get(detail_url(convention))
    # Two orientations share the fiches; each lists its first ones, the plan page has the rest.
    shown = sum(min(count, FICHES_SHOWN_PER_ORIENTATION) for count in (size // 2, size - size // 2))
    assert response.content.decode().count('class="action-row"') == shown


def test_a_long_plan_lists_the_first_fiches_of_each_orientation_and_links_to_the_rest(client):
    convention = full_convention(30)
    client.force_login(epci_member(convention))
    content = client.get(detail_url(convention)).content.decode()
    assert content.count('class="action-row"') == 2 * FICHES_SHOWN_PER_ORIENTATION
    plan_url = reverse("action_plans:plan", args=[convention.pk])
    for orientation in convention.action_plan.orientations.all():
        assert f'href="{plan_url}?orientation={orientation.pk}"' in content
    assert "Voir les 15 fiches de cette orientation dans le plan d’actions" in content


def test_detail_lists_the_orientations_in_order_even_an_empty_one(client):
    # Counting each orientation's fiches (GROUP BY) once dropped their order: the page showed them shuffled.
    third = StrategicOrientationFactory(position=3, title="Animer la vie sociale")
    plan = third.plan
    first = StrategicOrientationFactory(plan=plan, position=1, title="Accueillir les jeunes enfants")
    StrategicOrientationFactory(plan=plan, position=2, title="Accompagner les parents")
    ActionFactory(orientation=third, code="3.1")
    ActionFactory(orientation=first, code="1.1")
    client.force_login(epci_member(plan.convention))

    content = client.get(detail_url(plan.convention)).content.decode()

    titles = ("Accueillir les jeunes enfants", "Accompagner les parents", "Animer la vie sociale")
    positions = [content.index(title) for title in titles]
    assert positions == sorted(positions)
    empty = html_between(content, "Accompagner les parents", "</section>")
    assert "Aucune fiche action dans cette orientation pour le moment." in empty
    assert 'class="action-row"' not in empty


def test_detail_without_a_plan_says_it_is_not_written_yet(client):
    convention = ConventionFactory()
    client.force_login(epci_member(convention))
    plan = html_between(client.get(detail_url(convention)).content.decode(), 'id="action-plan"', "</section>")
    assert "Le plan d’actions n’a pas encore été rédigé." in plan


def test_detail_shows_the_partners_of_a_fiche_by_name(client):
    action = ActionFactory()
    action.partners.set([OrganisationFactory(name="Mairie de Zède"), OrganisationFactory(name="Centre d’Arbre")])
    convention = action.orientation.plan.convention
    client.force_login(epci_member(convention))
    row = html_between(client.get(detail_url(convention)).content.decode(), '<tr class="action-row">', "</tr>")
    assert "Centre d’Arbre, Mairie de Zède" in row, "in the order of their names"


def test_detail_query_count_does_not_grow_with_actions_or_parties(client):
    counts = []
    for size in (3, 30):
        convention = full_convention(size)
        client.force_login(epci_member(convention))
        with CaptureQueriesContext(connection) as queries:
            client.get(detail_url(convention))
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- Layout and error pages ---------------------------------------------------------------------


def test_layout_shows_the_user_their_organisations_and_a_logout_form(client):
    membership = MembershipFactory(user__first_name="Lucie", user__last_name="Bernard", organisation__name="CAF du Lot")
    client.force_login(membership.user)
    content = client.get(HOME_URL).content.decode()
    assert "Lucie Bernard" in content and "CAF du Lot" in content
    assert f'<form action="{reverse("logout")}" method="post">' in content
    assert reverse("admin:index") not in content


def test_staff_users_get_a_link_to_the_administration(client):
    client.force_login(UserFactory(is_staff=True))
    assert reverse("admin:index") in client.get(HOME_URL).content.decode()


def test_unknown_page_uses_the_portal_404(client):
    client.force_login(UserFactory())
    response = client.get("/page-qui-n-existe-pas/")
    assert response.status_code == 404
    assert "Page introuvable" in response.content.decode()


@pytest.mark.parametrize("name", ["500.html", "403.html"])
def test_error_pages_render_without_any_context(name):
    content = get_template(name).render()
    assert "Portail CTG" in content


def test_every_status_has_a_colour():
    css = (Path(settings.BASE_DIR) / "static" / "css" / "portal.css").read_text()
    for status in ConventionStatus.values:
        assert f".status-convention-{status.replace('_', '-')} " in css
    for status in ActionStatus.values:
        assert f".status-action-{status.replace('_', '-')} " in css
        assert f".progress-bar.status-action-{status.replace('_', '-')} " in css


# --- Avenants and signed texts, on the home page and in the header --------------------------------


def convention_with_avenant_in_progress(**kwargs):
    """A convention signed as version 1, now drafting avenant no. 1 (its signed text still in force)."""
    from workflow.services.versions import take_version

    convention = ConventionFactory(**kwargs)
    convention.signed_version = take_version(convention=convention, by=UserFactory())
    convention.amendment_number = 1
    convention.save()
    return convention


def test_home_says_an_avenant_is_in_progress_and_which_version_stays_in_force(client):
    today = timezone.localdate()
    convention = convention_with_avenant_in_progress(
        period_start=today - datetime.timedelta(days=30), period_end=today + datetime.timedelta(days=700)
    )
    client.force_login(epci_member(convention))
    content = client.get(HOME_URL).content.decode()
    table = html_between(content, "<table", "</table>")
    assert "avenant n° 1 en cours" in table
    assert "en vigueur (version 1)" in table


def test_home_says_signed_rather_than_in_force_outside_the_period(client):
    convention = convention_with_avenant_in_progress(
        period_start=datetime.date(2019, 1, 1), period_end=datetime.date(2020, 12, 31)
    )
    client.force_login(epci_member(convention))
    table = html_between(client.get(HOME_URL).content.decode(), "<table", "</table>")
    assert "signée (version 1)" in table
    assert "en vigueur (version" not in table


def test_home_names_a_signed_avenant_without_saying_in_progress(client):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    Convention.objects.filter(pk=convention.pk).update(amendment_number=2)
    client.force_login(epci_member(convention))
    table = html_between(client.get(HOME_URL).content.decode(), "<table", "</table>")
    assert "avenant n° 2" in table
    assert "en cours" not in table


def test_home_says_nothing_of_avenants_for_an_original_text(client):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    client.force_login(epci_member(convention))
    assert "avenant" not in client.get(HOME_URL).content.decode()


def test_home_query_count_stays_flat_with_avenants_in_progress(client, django_assert_max_num_queries):
    user = UserFactory()
    client.force_login(user)
    counts = []
    for added in (11, 12):  # past home's FILTERS_FROM both times: the same page, with its filters
        for _ in range(added):
            MembershipFactory(user=user, organisation=convention_with_avenant_in_progress().epci)
        with django_assert_max_num_queries(HOME_MAX_QUERIES), CaptureQueriesContext(connection) as queries:
            response = client.get(HOME_URL)
        assert response.content.decode().count("avenant n° 1 en cours") == len(response.context["conventions"])
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_header_of_an_avenant_in_progress_links_the_signed_text_still_in_force(client):
    today = timezone.localdate()
    convention = convention_with_avenant_in_progress(
        period_start=today - datetime.timedelta(days=30), period_end=today + datetime.timedelta(days=700)
    )
    client.force_login(epci_member(convention))
    content = client.get(detail_url(convention)).content.decode()
    header = html_between(content, 'class="page-header', "</dl>")
    assert "Avenant n° 1, en cours" in header
    assert "Texte signé" in header
    assert reverse("workflow:version", args=[convention.pk, 1]) in header
    assert convention.signed_version.short_hash in header
    assert "Il reste en vigueur jusqu’à la signature de l’avenant." in header


def test_header_of_a_signed_convention_links_its_signed_version(client):
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    client.force_login(epci_member(convention))
    header = html_between(client.get(detail_url(convention)).content.decode(), 'class="page-header', "</dl>")
    assert "Texte signé" in header and reverse("workflow:version", args=[convention.pk, 1]) in header
    assert "Avenant" not in header
    assert "Il reste en vigueur" not in header


def test_header_of_a_draft_has_no_signed_text(client):
    convention = ConventionFactory()
    client.force_login(epci_member(convention))
    header = html_between(client.get(detail_url(convention)).content.decode(), 'class="page-header', "</dl>")
    assert "Texte signé" not in header
