"""The people pages over every role (page, 403 or 404), their query counts, the public invitation page,
the navigation entry, and the administration of invitations."""

from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from partners.choices import MembershipRole
from partners.models import Invitation, Membership
from tests.partners.account_factories import InvitationFactory, expire, send_link
from tests.partners.factories import DEFAULT_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Une-phrase-de-passe-solide-2026"
HOME = reverse(settings.LOGIN_REDIRECT_URL)

# role: (reads the team, manages it)
EXPECTED = {
    "referent": (True, True),
    "staff": (True, False),
    "reader": (True, False),
    "referent_of_another_organisation": (False, False),
    "unrelated_user": (False, False),
    "superuser": (True, True),
}
ROLES = list(EXPECTED)


@pytest.fixture
def team():
    epci = OrganisationFactory(intercommunality=True)
    referent = MembershipFactory(organisation=epci, is_referent=True)
    staff = MembershipFactory(organisation=epci)
    reader = MembershipFactory(organisation=epci, role=MembershipRole.READER)
    users = {
        "referent": referent.user,
        "staff": staff.user,
        "reader": reader.user,
        "referent_of_another_organisation": MembershipFactory(organisation__caf=True, is_referent=True).user,
        "unrelated_user": UserFactory(),
        "superuser": UserFactory(is_superuser=True, is_staff=True),
    }
    invitation = InvitationFactory(organisation=epci, invited_by=referent.user, email="en-attente@example.org")
    return SimpleNamespace(epci=epci, users=users, staff=staff, reader=reader, invitation=invitation)


def url(name, team, **kwargs):
    return reverse(f"partners:{name}", kwargs={"organisation_pk": team.epci.pk, **kwargs})


def refused_status(role) -> int:
    return 404 if not EXPECTED[role][0] else 403


# --- Every page × every role --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_team_page_for_each_role(client, team, role):
    client.force_login(team.users[role])

    response = client.get(url("people", team))

    reads, manages = EXPECTED[role]
    assert response.status_code == (200 if reads else 404)
    if reads:
        content = response.content.decode()
        assert team.staff.user.get_full_name() in content
        assert (response.context["form"] is not None) == manages
        assert ("en-attente@example.org" in content) == manages
        assert (url("people_remove", team, membership_pk=team.staff.pk) in content) == manages


@pytest.mark.parametrize("role", ROLES)
def test_inviting_for_each_role(client, team, role):
    client.force_login(team.users[role])

    response = client.post(url("people", team), {"email": "nouvelle@example.org", "role": "staff"})

    manages = EXPECTED[role][1]
    assert response.status_code == (302 if manages else refused_status(role))
    assert Invitation.objects.filter(email="nouvelle@example.org").exists() == manages


@pytest.mark.parametrize("role", ROLES)
def test_resending_for_each_role(client, team, role):
    send_link(team.invitation)
    client.force_login(team.users[role])

    response = client.post(url("invitation_resend", team, invitation_pk=team.invitation.pk))

    manages = EXPECTED[role][1]
    assert response.status_code == (302 if manages else refused_status(role))
    team.invitation.refresh_from_db()
    assert (team.invitation.sent_at is None) == manages  # sent again: a new link is on its way


@pytest.mark.parametrize("role", ROLES)
def test_revoking_for_each_role(client, team, role):
    client.force_login(team.users[role])

    response = client.post(url("invitation_revoke", team, invitation_pk=team.invitation.pk))

    manages = EXPECTED[role][1]
    assert response.status_code == (302 if manages else refused_status(role))
    team.invitation.refresh_from_db()
    assert (team.invitation.revoked_at is not None) == manages


@pytest.mark.parametrize("role", ROLES)
def test_removing_for_each_role(client, team, role):
    client.force_login(team.users[role])
    page = url("people_remove", team, membership_pk=team.reader.pk)

    confirmation = client.get(page)
    response = client.post(page)

    manages = EXPECTED[role][1]
    assert confirmation.status_code == (200 if manages else refused_status(role))
    assert response.status_code == (302 if manages else refused_status(role))
    assert Membership.objects.filter(pk=team.reader.pk).exists() != manages


@pytest.mark.parametrize("role", ROLES)
def test_making_referent_for_each_role(client, team, role):
    client.force_login(team.users[role])

    response = client.post(url("people_set_referent", team, membership_pk=team.staff.pk), {"is_referent": "1"})

    manages = EXPECTED[role][1]
    assert response.status_code == (302 if manages else refused_status(role))
    team.staff.refresh_from_db()
    assert team.staff.is_referent == manages


@pytest.mark.parametrize(
    "name", ["people", "people_remove", "people_set_referent", "invitation_resend", "invitation_revoke"]
)
def test_anonymous_users_are_sent_to_the_login_page(client, team, name):
    kwargs = {
        "people": {},
        "people_remove": {"membership_pk": team.staff.pk},
        "people_set_referent": {"membership_pk": team.staff.pk},
        "invitation_resend": {"invitation_pk": team.invitation.pk},
        "invitation_revoke": {"invitation_pk": team.invitation.pk},
    }[name]
    page = url(name, team, **kwargs)

    response = client.post(page)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_invitation_or_member_of_another_organisation_answers_404(client, team):
    client.force_login(team.users["referent"])
    elsewhere = InvitationFactory()
    stranger = MembershipFactory(organisation__caf=True)

    assert client.post(url("invitation_revoke", team, invitation_pk=elsewhere.pk)).status_code == 404
    assert client.get(url("people_remove", team, membership_pk=stranger.pk)).status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.revoked_at is None


# --- Team page behaviour ------------------------------------------------------------------------


def test_the_team_page_reads_in_a_bounded_number_of_queries(client, team, django_assert_max_num_queries):
    for _ in range(10):
        MembershipFactory(organisation=team.epci)
    for _ in range(5):
        InvitationFactory(organisation=team.epci, invited_by=team.users["referent"])
    client.force_login(team.users["referent"])

    with django_assert_max_num_queries(14):
        response = client.get(url("people", team))

    assert response.status_code == 200
    assert len(response.context["members"]) == 13
    assert len(response.context["invitations"]) == 6


def test_the_removal_page_reads_in_a_bounded_number_of_queries(client, team, django_assert_max_num_queries):
    client.force_login(team.users["referent"])
    with django_assert_max_num_queries(10):
        response = client.get(url("people_remove", team, membership_pk=team.reader.pk))
    assert response.context["will_deactivate"] is True


def test_a_refused_invitation_is_explained_on_the_form(client, team):
    client.force_login(team.users["referent"])

    response = client.post(url("people", team), {"email": "en-attente@example.org", "role": "staff"})

    assert response.status_code == 200
    assert "en-attente@example.org" in response.context["form"].errors["email"][0]
    assert Invitation.objects.filter(organisation=team.epci).count() == 1


def test_an_administrator_invites_the_first_referent_from_the_team_page(
    client, eager_celery, django_capture_on_commit_callbacks
):
    caf = OrganisationFactory(caf=True)
    client.force_login(UserFactory(is_superuser=True))
    page = reverse("partners:people", args=[caf.pk])

    assert client.get(page).context["form"].initial["is_referent"] is True  # none yet: ticked
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(page, {"email": "directrice@caf.example.fr", "role": "staff", "is_referent": "on"})

    assert response.status_code == 302
    invitation = Invitation.objects.get(organisation=caf)
    assert invitation.is_referent
    assert [message.to for message in mail.outbox] == [["directrice@caf.example.fr"]]


def test_the_last_referent_leaving_is_refused_with_a_message(client, team):
    referent = team.users["referent"]
    own = Membership.objects.get(user=referent)
    client.force_login(referent)

    response = client.post(url("people_remove", team, membership_pk=own.pk), follow=True)

    assert response.redirect_chain[-1][0] == url("people", team)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert Membership.objects.filter(pk=own.pk).exists()


def test_a_referent_who_leaves_goes_to_the_home_page(client, team):
    referent = team.users["referent"]
    MembershipFactory(organisation=team.epci, is_referent=True)
    client.force_login(referent)

    response = client.post(url("people_remove", team, membership_pk=Membership.objects.get(user=referent).pk))

    assert response["Location"] == HOME


def test_removing_the_last_membership_ends_the_person_s_open_session_at_once(team):
    from django.test import Client

    member, referent = Client(), Client()
    login = member.post(reverse("login"), {"username": team.reader.user.username, "password": DEFAULT_PASSWORD})
    assert login.status_code == 302
    assert member.get(HOME).status_code == 200
    referent.force_login(team.users["referent"])

    referent.post(url("people_remove", team, membership_pk=team.reader.pk))

    response = member.get(HOME)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- « Mon équipe » -----------------------------------------------------------------------------


def test_my_team_leads_a_member_to_the_team_of_their_only_organisation(client, team):
    client.force_login(team.users["staff"])
    home = client.get(HOME).content.decode()
    assert f'href="{reverse("partners:people_home")}"' in home

    response = client.get(reverse("partners:people_home"))

    assert response["Location"] == url("people", team)


def test_my_team_lists_the_organisations_of_a_member_of_several(client, team):
    MembershipFactory(user=team.users["staff"], organisation__caf=True)
    client.force_login(team.users["staff"])

    response = client.get(reverse("partners:people_home"))

    assert response.status_code == 200
    assert len(response.context["team_organisations"]) == 2


def test_administrators_search_every_organisation(client, team, django_assert_max_num_queries):
    OrganisationFactory(caf=True, name="CAF du Lot")
    client.force_login(team.users["superuser"])

    with django_assert_max_num_queries(6):
        response = client.get(reverse("partners:people_home"), {"q": "lot"})

    assert [o.name for o in response.context["team_organisations"]] == ["CAF du Lot"]


def test_a_person_without_organisation_has_no_team_entry_and_is_told_whom_to_ask(client, team):
    client.force_login(team.users["unrelated_user"])

    assert f'href="{reverse("partners:people_home")}"' not in client.get(HOME).content.decode()
    response = client.get(reverse("partners:people_home"))
    assert response.status_code == 200 and list(response.context["team_organisations"]) == []


# --- The invitation's page (no login needed) ----------------------------------------------------


def accept_url(token: str) -> str:
    return reverse("partners:invitation_accept", args=[token])


def test_a_new_person_chooses_a_password_and_lands_on_the_home_page_logged_in(
    client, team, django_assert_max_num_queries
):
    token = send_link(team.invitation)
    with django_assert_max_num_queries(8):
        page = client.get(accept_url(token))
    assert page.status_code == 200
    assert team.epci.name in page.content.decode()
    assert team.users["referent"].get_full_name() in page.content.decode()

    response = client.post(
        accept_url(token), {"first_name": "Léa", "last_name": "Roux", "password1": PASSWORD, "password2": PASSWORD}
    )

    assert response["Location"] == HOME
    account = User.objects.get(username="en-attente@example.org")
    assert (account.first_name, account.last_name) == ("Léa", "Roux")
    assert int(client.session["_auth_user_id"]) == account.pk
    assert client.get(HOME).status_code == 200


def test_two_different_passwords_create_nothing(client, team):
    token = send_link(team.invitation)

    response = client.post(accept_url(token), {"password1": PASSWORD, "password2": PASSWORD + "x"})

    assert response.status_code == 200
    assert response.context["form"].errors["password2"]
    assert not User.objects.filter(username="en-attente@example.org").exists()


def test_a_weak_password_is_refused_by_django_s_validators(client, team):
    token = send_link(team.invitation)

    response = client.post(accept_url(token), {"password1": "12345678", "password2": "12345678"})

    assert response.context["form"].errors["password2"]
    team.invitation.refresh_from_db()
    assert team.invitation.accepted_at is None


def test_an_existing_account_logs_in_then_accepts(client, team):
    holder = UserFactory(email="en-attente@example.org")
    token = send_link(team.invitation)

    page = client.get(accept_url(token))
    assert page.context["mode"] == "log_in"
    assert page.context["login_url"] == f"{reverse('login')}?next={accept_url(token).replace('/', '%2F')}"
    assert client.post(accept_url(token), {"password1": PASSWORD, "password2": PASSWORD}).context["mode"] == "log_in"

    client.force_login(holder)
    assert client.get(accept_url(token)).context["matches"] is True
    response = client.post(accept_url(token))

    assert response["Location"] == HOME
    assert Membership.objects.filter(user=holder, organisation=team.epci).exists()


def test_someone_logged_in_with_another_address_cannot_accept(client, team):
    token = send_link(team.invitation)
    client.force_login(team.users["unrelated_user"])

    page = client.post(accept_url(token))

    assert page.status_code == 200 and page.context["matches"] is False
    team.invitation.refresh_from_db()
    assert team.invitation.accepted_at is None


@pytest.mark.parametrize(
    ("state", "status"), [("unknown", 404), ("replaced", 404), ("used", 410), ("revoked", 410), ("expired", 410)]
)
def test_an_unusable_link_gets_a_page_that_says_why(client, team, state, status):
    token = send_link(team.invitation)
    if state == "unknown":
        token = "inconnu"
    elif state == "replaced":
        team.invitation.sent_at = None
        team.invitation.save()
        send_link(team.invitation)
    elif state == "used":
        client.post(accept_url(token), {"password1": PASSWORD, "password2": PASSWORD})
        client.logout()
    elif state == "revoked":
        Invitation.objects.filter(pk=team.invitation.pk).update(revoked_at=team.invitation.created_at)
    else:
        expire(team.invitation)

    response = client.get(accept_url(token))

    assert response.status_code == status
    assert response.context["state"] == state
    assert response.templates[0].name == "partners/people/invitation_unusable.html"


# --- Administration -----------------------------------------------------------------------------


def test_the_administration_lists_invitations_without_their_token(client, team):
    token = send_link(team.invitation)
    team.invitation.refresh_from_db()
    client.force_login(team.users["superuser"])

    listing = client.get(reverse("admin:partners_invitation_changelist"))
    detail = client.get(reverse("admin:partners_invitation_change", args=[team.invitation.pk]))
    history = client.get(reverse("admin:partners_invitation_history", args=[team.invitation.pk]))

    assert listing.status_code == detail.status_code == history.status_code == 200
    for page in (listing, detail, history):
        assert token not in page.content.decode()
        assert team.invitation.token_sha256 not in page.content.decode()
    assert client.get(reverse("admin:partners_invitation_add")).status_code == 403


def test_the_administration_revokes_invitations(client, team):
    client.force_login(team.users["superuser"])

    client.post(
        reverse("admin:partners_invitation_changelist"),
        {"action": "revoke", "_selected_action": [team.invitation.pk]},
    )

    team.invitation.refresh_from_db()
    assert team.invitation.revoked_at is not None


def test_the_membership_administration_shows_the_referents(client, team):
    client.force_login(team.users["superuser"])
    response = client.get(
        reverse("admin:partners_membership_changelist"),
        {"is_referent__exact": "1", "organisation__id__exact": team.epci.pk},
    )
    assert list(response.context["cl"].result_list) == [Membership.objects.get(user=team.users["referent"])]
