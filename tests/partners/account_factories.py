"""Invitations for the account tests, and reading the link an invitation e-mail carries."""

import datetime
import re

import factory
from django.core import mail
from django.utils import timezone

from partners.choices import MembershipRole
from partners.models import Invitation
from partners.services import accounts
from tests.partners.factories import OrganisationFactory

LINK = re.compile(r"https?://\S+/invitation/(?P<token>[A-Za-z0-9_-]+)/")


class InvitationFactory(factory.django.DjangoModelFactory):
    """A pending invitation not sent yet (no token): ``send_link`` sends it and returns its token."""

    class Meta:
        model = Invitation

    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    full_name = "Camille Martin"
    organisation = factory.SubFactory(OrganisationFactory, intercommunality=True)
    role = MembershipRole.STAFF
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


def token_from(message) -> str:
    match = LINK.search(message.body)
    assert match, f"no invitation link in {message.body!r}"
    return match["token"]


def send_link(invitation: Invitation) -> str:
    """Sends the invitation's e-mail (as the task does) and returns the token its link carries."""
    assert accounts.invitation_send(invitation_pk=invitation.pk) is True
    return token_from(mail.outbox[-1])


def expire(invitation: Invitation) -> None:
    """Moves the invitation into the past: made three weeks ago, expired a week ago."""
    now = timezone.now()
    Invitation.objects.filter(pk=invitation.pk).update(
        created_at=now - datetime.timedelta(days=21), expires_at=now - datetime.timedelta(days=7)
    )
    invitation.refresh_from_db()
