"""The account services' rules: invitations (expiry, duplicates, single use, revocation), members,
référents and deactivation."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from ctg_portal.errors import NotAllowed
from partners.choices import MembershipRole
from partners.models import Invitation, Membership
from partners.services import accounts
from partners.services.accounts import AccountRefused, ExistingAccount, InvitationUnusable
from tests.partners.account_factories import InvitationFactory, expire, send_link
from tests.partners.factories import MembershipFactory, OrganisationFactory, RepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "Une-phrase-de-passe-solide-2026"


@pytest.fixture
def epci():
    return OrganisationFactory(intercommunality=True)


@pytest.fixture
def referent(epci):
    return MembershipFactory(organisation=epci, is_referent=True).user


def invite(epci, referent, **fields):
    return accounts.invite_person(
        **{"email": "nouvelle.collegue@example.org", "organisation": epci, "by": referent, **fields}
    )


# --- Inviting -----------------------------------------------------------------------------------


def test_an_invitation_expires_after_the_configured_number_of_days(epci, referent, settings):
    settings.INVITATION_VALIDITY_DAYS = 3
    before = timezone.now()

    invitation = invite(epci, referent, full_name="  Camille   Martin ", role=MembershipRole.READER)

    assert before + datetime.timedelta(days=3) <= invitation.expires_at <= timezone.now() + datetime.timedelta(days=3)
    assert (invitation.full_name, invitation.role, invitation.invited_by) == ("Camille Martin", "reader", referent)
    assert invitation.token_sha256 == "" and invitation.sent_at is None  # the task makes the link


def test_the_e_mail_is_queued_once_the_transaction_commits(
    epci, referent, django_capture_on_commit_callbacks, eager_celery
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(epci, referent)
    assert len(callbacks) == 1 and mail.outbox == []

    callbacks[0]()

    invitation.refresh_from_db()
    assert invitation.sent_at is not None
    assert [message.to for message in mail.outbox] == [["nouvelle.collegue@example.org"]]


def test_a_pending_invitation_is_not_duplicated_whatever_the_case_of_the_address(epci, referent):
    invite(epci, referent)

    with pytest.raises(AccountRefused) as refused:
        invite(epci, referent, email="Nouvelle.Collegue@EXAMPLE.org")

    assert "nouvelle.collegue@example.org" in str(refused.value)
    assert Invitation.objects.count() == 1


def test_the_same_person_may_be_invited_to_two_organisations(epci, referent):
    other = OrganisationFactory(caf=True)
    invite(epci, referent)
    accounts.invite_person(email="nouvelle.collegue@example.org", organisation=other, by=UserFactory(is_superuser=True))
    assert Invitation.objects.count() == 2


def test_an_expired_pending_invitation_is_closed_and_replaced(epci, referent):
    first = invite(epci, referent)
    expire(first)

    second = invite(epci, referent)

    first.refresh_from_db()
    assert first.revoked_at is not None
    assert second.pk != first.pk and second.revoked_at is None


def test_an_active_account_that_is_already_a_member_is_not_invited(epci, referent):
    member = MembershipFactory(organisation=epci, user__email="deja.la@example.org").user

    with pytest.raises(AccountRefused) as refused:
        invite(epci, referent, email="DEJA.LA@example.org")

    assert str(refused.value) == _("%(email)s already has an account and is already a member of %(organisation)s.") % {
        "email": "DEJA.LA@example.org",
        "organisation": epci.display_name,
    }
    assert member.is_active


def test_an_account_of_another_organisation_can_be_invited(epci, referent):
    MembershipFactory(organisation__caf=True, user__email="ailleurs@example.org")
    assert invite(epci, referent, email="ailleurs@example.org").pk


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@b"])
def test_an_invalid_address_is_refused(epci, referent, email):
    with pytest.raises(AccountRefused):
        invite(epci, referent, email=email)


def test_a_member_who_is_not_referent_cannot_invite(epci):
    colleague = MembershipFactory(organisation=epci).user
    with pytest.raises(NotAllowed):
        invite(epci, colleague)


def test_a_referent_cannot_invite_to_another_organisation(referent):
    with pytest.raises(NotAllowed):
        invite(OrganisationFactory(caf=True), referent)


def test_an_administrator_invites_the_first_referent_of_any_organisation():
    caf = OrganisationFactory(caf=True)
    invitation = accounts.invite_person(
        email="directrice@caf.example.fr", organisation=caf, is_referent=True, by=UserFactory(is_superuser=True)
    )
    assert invitation.is_referent


def test_the_party_editor_may_invite_a_representative_but_never_make_them_referent(epci):
    caf = OrganisationFactory(caf=True)
    director = RepresentativeFactory(organisation=caf, full_name="Anne Exemple", title="Directrice")
    epci_agent = MembershipFactory(organisation=epci).user

    invitation = accounts.invite_person(
        email="anne@caf.example.fr", organisation=caf, representative=director, by=epci_agent
    )

    assert invitation.full_name == "Anne Exemple"  # the representative's name when none is given
    with pytest.raises(NotAllowed):
        accounts.invite_person(
            email="autre@caf.example.fr", organisation=caf, representative=director, is_referent=True, by=epci_agent
        )


def test_a_representative_of_another_organisation_is_refused(epci, referent):
    stranger = RepresentativeFactory(organisation=OrganisationFactory(caf=True))
    with pytest.raises(AccountRefused):
        invite(epci, referent, representative=stranger)


# --- Accepting ----------------------------------------------------------------------------------


def test_accepting_creates_the_account_named_by_the_address_with_its_membership(epci, referent):
    invitation = InvitationFactory(
        organisation=epci, email="Camille.Martin@Example.org", full_name="Camille de La Fontaine", is_referent=True
    )
    token = send_link(invitation)

    account = accounts.accept_invitation(token=token, password=PASSWORD)

    assert account.username == "camille.martin@example.org"
    assert (account.first_name, account.last_name, account.email) == (
        "Camille",
        "de La Fontaine",
        "Camille.Martin@example.org",
    )
    assert account.is_active and account.check_password(PASSWORD)
    membership = Membership.objects.get(user=account)
    assert (membership.organisation, membership.role, membership.is_referent) == (epci, "staff", True)
    invitation.refresh_from_db()
    assert invitation.accepted_by == account and invitation.accepted_at is not None


def test_a_link_works_only_once(epci):
    token = send_link(InvitationFactory(organisation=epci))
    accounts.accept_invitation(token=token, password=PASSWORD)

    with pytest.raises(InvitationUnusable) as unusable:
        accounts.accept_invitation(token=token, password=PASSWORD)

    assert unusable.value.state == "used"
    assert User.objects.count() == 1


def test_an_expired_link_is_refused(epci):
    invitation = InvitationFactory(organisation=epci)
    token = send_link(invitation)
    expire(invitation)

    with pytest.raises(InvitationUnusable) as unusable:
        accounts.accept_invitation(token=token, password=PASSWORD)

    assert unusable.value.state == "expired"
    assert not User.objects.filter(email=invitation.email).exists()


def test_a_revoked_link_is_refused(epci, referent):
    invitation = InvitationFactory(organisation=epci)
    token = send_link(invitation)
    accounts.revoke_invitation(invitation=invitation, by=referent)

    with pytest.raises(InvitationUnusable) as unusable:
        accounts.accept_invitation(token=token, password=PASSWORD)

    assert unusable.value.state == "revoked"


@pytest.mark.parametrize("token", ["", "n-importe-quoi", "x" * 500])
def test_an_unknown_link_is_refused(db, token):
    with pytest.raises(InvitationUnusable) as unusable:
        accounts.accept_invitation(token=token, password=PASSWORD)
    assert unusable.value.state == "unknown"


def test_a_password_the_validators_refuse_creates_nothing(epci):
    invitation = InvitationFactory(organisation=epci, email="camille@example.org")
    token = send_link(invitation)

    with pytest.raises(ValidationError):
        accounts.accept_invitation(token=token, password="123")

    invitation.refresh_from_db()
    assert invitation.accepted_at is None
    assert not User.objects.filter(username="camille@example.org").exists()


def test_an_existing_account_must_log_in_to_accept(epci):
    existing = UserFactory(email="existante@example.org")
    token = send_link(InvitationFactory(organisation=epci, email="existante@example.org"))

    with pytest.raises(ExistingAccount):
        accounts.accept_invitation(token=token, password=PASSWORD)

    account = accounts.accept_invitation(token=token, user=existing)
    assert account == existing
    assert Membership.objects.filter(user=existing, organisation=epci).exists()
    assert existing.check_password("mot-de-passe-de-test")  # untouched


def test_a_signed_in_account_with_another_address_cannot_accept(epci):
    token = send_link(InvitationFactory(organisation=epci, email="destinataire@example.org"))
    with pytest.raises(AccountRefused):
        accounts.accept_invitation(token=token, user=UserFactory(email="quelqu.un.d.autre@example.org"))
    assert not Membership.objects.filter(organisation=epci).exists()


def test_accepting_reopens_an_account_deactivated_when_it_left_its_last_organisation(epci):
    former = UserFactory(email="revenante@example.org", is_active=False, first_name="Léa", last_name="Roux")
    token = send_link(InvitationFactory(organisation=epci, email="revenante@example.org"))

    account = accounts.accept_invitation(token=token, password=PASSWORD)

    assert account.pk == former.pk and account.is_active
    assert (account.first_name, account.last_name) == ("Léa", "Roux")


def test_an_existing_membership_only_gains_the_referent_flag(epci):
    membership = MembershipFactory(organisation=epci, role=MembershipRole.READER, user__email="m@example.org")
    token = send_link(InvitationFactory(organisation=epci, email="m@example.org", is_referent=True))

    accounts.accept_invitation(token=token, user=membership.user)

    membership.refresh_from_db()
    assert (membership.role, membership.is_referent) == ("reader", True)


def test_a_representative_invited_by_the_party_editor_gets_the_account_but_no_membership(epci):
    caf = OrganisationFactory(caf=True)
    director = RepresentativeFactory(organisation=caf)
    invitation = accounts.invite_person(
        email="anne@caf.example.fr",
        organisation=caf,
        representative=director,
        by=MembershipFactory(organisation=epci).user,
    )
    token = send_link(invitation)

    account = accounts.accept_invitation(token=token, password=PASSWORD)

    director.refresh_from_db()
    assert director.user == account
    assert not Membership.objects.filter(user=account).exists()


def test_a_representative_invited_by_a_referent_gets_the_membership_and_the_link(epci, referent):
    mayor = RepresentativeFactory(organisation=epci)
    invitation = invite(epci, referent, role=MembershipRole.READER, representative=mayor)

    account = accounts.accept_invitation(token=send_link(invitation), password=PASSWORD)

    mayor.refresh_from_db()
    assert mayor.user == account
    assert Membership.objects.get(user=account).role == MembershipRole.READER


# --- Sending again and revoking -----------------------------------------------------------------


def test_sending_again_makes_a_new_link_and_kills_the_old_one(epci, referent, settings):
    settings.INVITATION_VALIDITY_DAYS = 5
    invitation = InvitationFactory(organisation=epci)
    old = send_link(invitation)
    expire(invitation)

    accounts.resend_invitation(invitation=invitation, by=referent)
    new = send_link(invitation)

    invitation.refresh_from_db()
    assert new != old
    assert invitation.expires_at > timezone.now() + datetime.timedelta(days=4)
    with pytest.raises(InvitationUnusable):
        accounts.accept_invitation(token=old, password=PASSWORD)
    assert accounts.invitation_was_replaced(old)
    assert accounts.accept_invitation(token=new, password=PASSWORD).is_active


def test_an_accepted_invitation_is_neither_sent_again_nor_revoked(epci, referent):
    invitation = InvitationFactory(organisation=epci)
    accounts.accept_invitation(token=send_link(invitation), password=PASSWORD)

    with pytest.raises(AccountRefused):
        accounts.resend_invitation(invitation=invitation, by=referent)
    with pytest.raises(AccountRefused):
        accounts.revoke_invitation(invitation=invitation, by=referent)


def test_a_member_who_is_not_referent_cannot_resend_or_revoke(epci):
    invitation = InvitationFactory(organisation=epci)
    colleague = MembershipFactory(organisation=epci).user
    with pytest.raises(NotAllowed):
        accounts.resend_invitation(invitation=invitation, by=colleague)
    with pytest.raises(NotAllowed):
        accounts.revoke_invitation(invitation=invitation, by=colleague)


def test_the_sender_of_an_invitation_may_revoke_it(epci):
    caf = OrganisationFactory(caf=True)
    agent = MembershipFactory(organisation=epci).user
    invitation = accounts.invite_person(
        email="anne@caf.example.fr", organisation=caf, representative=RepresentativeFactory(organisation=caf), by=agent
    )
    assert accounts.revoke_invitation(invitation=invitation, by=agent).revoked_at is not None


# --- Members, référents, deactivation -----------------------------------------------------------


def test_removing_the_last_membership_deactivates_the_account(epci, referent):
    membership = MembershipFactory(organisation=epci)

    removal = accounts.remove_member(membership=membership, by=referent)

    membership.user.refresh_from_db()
    assert removal.deactivated and not membership.user.is_active
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_an_account_with_another_organisation_stays_active(epci, referent):
    membership = MembershipFactory(organisation=epci)
    MembershipFactory(user=membership.user, organisation__caf=True)

    removal = accounts.remove_member(membership=membership, by=referent)

    membership.user.refresh_from_db()
    assert not removal.deactivated and membership.user.is_active


def test_an_administrator_removed_from_an_organisation_keeps_their_account(epci, referent):
    membership = MembershipFactory(organisation=epci, user__is_superuser=True)
    accounts.remove_member(membership=membership, by=referent)
    membership.user.refresh_from_db()
    assert membership.user.is_active


def test_the_last_referent_cannot_leave(epci, referent):
    own = Membership.objects.get(user=referent)
    with pytest.raises(AccountRefused) as refused:
        accounts.remove_member(membership=own, by=referent)
    assert str(refused.value) == _(
        "You are the last référent of %(organisation)s: make another member référent first, so that "
        "someone can still invite and remove its members."
    ) % {"organisation": epci.display_name}
    with pytest.raises(AccountRefused):
        accounts.set_referent(membership=own, is_referent=False, by=referent)
    own.refresh_from_db()
    assert own.is_referent


def test_a_referent_leaves_once_another_one_is_named(epci, referent):
    own = Membership.objects.get(user=referent)
    colleague = MembershipFactory(organisation=epci)
    accounts.set_referent(membership=colleague, is_referent=True, by=referent)

    accounts.remove_member(membership=own, by=referent)

    referent.refresh_from_db()
    assert not referent.is_active
    assert list(Membership.objects.filter(organisation=epci, is_referent=True)) == [colleague]


def test_an_administrator_may_take_the_last_referent_away(epci, referent):
    own = Membership.objects.get(user=referent)
    accounts.set_referent(membership=own, is_referent=False, by=UserFactory(is_superuser=True))
    own.refresh_from_db()
    assert not own.is_referent


def test_a_member_who_is_not_referent_removes_nobody(epci, referent):
    colleague = MembershipFactory(organisation=epci).user
    with pytest.raises(NotAllowed):
        accounts.remove_member(membership=Membership.objects.get(user=referent), by=colleague)
    with pytest.raises(NotAllowed):
        accounts.set_referent(membership=Membership.objects.get(user=colleague), is_referent=True, by=colleague)


def test_membership_changes_are_in_the_history_with_their_author(epci, referent):
    colleague = MembershipFactory(organisation=epci)
    accounts.set_referent(membership=colleague, is_referent=True, by=referent)
    accounts.remove_member(membership=colleague, by=referent)

    records = Membership.history.filter(id=colleague.pk).order_by("history_date")
    assert [(r.history_type, r.is_referent, r.history_user) for r in records][-2:] == [
        ("~", True, referent),
        ("-", True, referent),
    ]


# --- The first référent of an organisation nobody looks after ------------------------------------------


def test_a_caf_officer_invites_the_first_referent_of_an_epci_of_its_departement():
    epci = OrganisationFactory(intercommunality=True, department_code="74")
    officer = MembershipFactory(organisation=OrganisationFactory(caf=True, department_code="74")).user
    invitation = invite(epci, officer, is_referent=True)
    assert invitation.is_referent and invitation.invited_by == officer


def test_only_the_first_referent_and_only_from_the_same_departement():
    epci = OrganisationFactory(intercommunality=True, department_code="74")
    other_officer = MembershipFactory(organisation=OrganisationFactory(caf=True, department_code="73")).user
    with pytest.raises(NotAllowed):
        invite(epci, other_officer, is_referent=True)
    officer = MembershipFactory(organisation=OrganisationFactory(caf=True, department_code="74")).user
    MembershipFactory(organisation=epci)  # somebody looks after it now: its référents invite
    with pytest.raises(NotAllowed):
        invite(epci, officer, is_referent=True)
    with pytest.raises(NotAllowed):
        invite(epci, officer)  # a plain member either
    assert not Invitation.objects.exists()


def test_the_intercommunality_staff_invite_the_first_referent_of_a_member_commune():
    epci = OrganisationFactory(intercommunality=True)
    commune = OrganisationFactory(commune=True, epci=epci)
    staff = MembershipFactory(organisation=epci).user
    assert invite(commune, staff, is_referent=True).organisation == commune
