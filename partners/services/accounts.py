"""People and their accounts: invitations by e-mail, their acceptance, members and référents, password resets.

Nobody hands out passwords: a référent (or a portal administrator, or the party editor for a
signatory) invites a person by e-mail (:func:`invite_person`); the e-mail carries a single-use link
that expires after ``INVITATION_VALIDITY_DAYS``; the person opens it, chooses a password and is in
(:func:`accept_invitation`), or, already holding an account with that address, logs in and accepts.
The link's token is made by the task that sends the e-mail (:func:`invitation_send`) and only its
SHA-256 is stored; sending again (:func:`resend_invitation`) makes a new one and the old link dies at
once. Removing a person's last membership deactivates their account (:func:`remove_member`): their
open sessions end at their next request, since Django's backend refuses an inactive user.

Every write checks the policy (``partners.permissions``) and records the acting user in the history;
a refusal raises ``NotAllowed`` (403) or ``AccountRefused`` (a message on the page). E-mails are
queued once the transaction commits (``ctg_portal.queueing``) and sent by Celery tasks
(``partners.tasks``), never inside a web request.
"""

import datetime
import logging
import re
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from ctg_portal.errors import NotAllowed, PortalError
from ctg_portal.queueing import enqueue, enqueue_on_commit
from partners import permissions
from partners.choices import MembershipRole
from partners.models import Invitation, Membership, Organisation, PasswordResetEmail, Representative
from partners.selectors_people import invitation_state, token_digest
from partners.signals import rows_written_in_bulk

logger = logging.getLogger(__name__)

User = get_user_model()

# The account's username is the e-mail address, lower-cased: it must fit the username column.
EMAIL_MAX_LENGTH = User._meta.get_field("username").max_length
FULL_NAME_MAX_LENGTH = Invitation._meta.get_field("full_name").max_length

# An invitation still unsent this long after it was written lost its task (a broker outage at the
# commit, retries given up): the sweep queues it again. One whose publish failed goes at the next sweep.
UNSENT_GRACE = datetime.timedelta(minutes=5)
# How long the administration lists a password reset e-mail that went out (who asked, when): long past
# any redelivery of its task (hours at most), then deleted by a later sending.
PASSWORD_RESET_EMAILS_KEPT = datetime.timedelta(days=30)


class AccountRefused(PortalError):
    """The invitation or the change of membership cannot be made as asked; the message says why."""


class ExistingAccount(AccountRefused):
    """An active account already uses the invitation's address: its holder logs in to accept."""


class InvitationUnusable(PortalError):
    """The link cannot be used: ``state`` is ``unknown``, ``used``, ``revoked`` or ``expired``."""

    def __init__(self, state: str):
        self.state = state
        super().__init__(state)


@dataclass(frozen=True)
class MemberRemoval:
    """What :func:`remove_member` did: whose membership went, and whether their account was deactivated."""

    name: str
    deactivated: bool


# --- Helpers --------------------------------------------------------------------------------------


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


def _clean_email(email: str) -> str:
    email = BaseUserManager.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        raise AccountRefused(_("Give a valid e-mail address, such as prenom.nom@example.fr.")) from None
    if len(email) > EMAIL_MAX_LENGTH:
        raise AccountRefused(
            _("This e-mail address is too long to name an account (%(limit)s characters at most).")
            % {"limit": EMAIL_MAX_LENGTH}
        )
    return email


def split_full_name(full_name: str) -> tuple[str, str]:
    """« Marie-Claire Dupont » → (« Marie-Claire », « Dupont »); « Jean de La Fontaine » keeps « de La Fontaine »."""
    parts = " ".join((full_name or "").split()).split(" ", 1)
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], "")


def accounts_for_email(email: str):
    """Accounts named by this address (username or e-mail, any case), active ones first."""
    return User.objects.filter(Q(username__iexact=email) | Q(email__iexact=email)).order_by("-is_active", "pk")


def _expiry(now: datetime.datetime) -> datetime.datetime:
    return now + datetime.timedelta(days=settings.INVITATION_VALIDITY_DAYS)


def _send_task():
    """The Celery task that sends an invitation. Imported here, the one import inside a function of this
    module: the task module imports the services it calls (Celery's services ↔ tasks pair)."""
    from partners.tasks import send_invitation

    return send_invitation


def _note_enqueue_failure(invitation_pk: int) -> None:
    Invitation.objects.filter(pk=invitation_pk, sent_at__isnull=True).update(enqueue_failed_at=timezone.now())
    rows_written_in_bulk.send(sender=Invitation, pks=[invitation_pk])


def _queue_sending(invitation: Invitation) -> None:
    """Sends the e-mail once the transaction commits; should the broker be down, the sweep sends it later."""
    enqueue_on_commit(_send_task(), (invitation.pk,), on_failure=partial(_note_enqueue_failure, invitation.pk))


def _locked_organisation(organisation: Organisation) -> Organisation:
    """The organisation's row, locked: invitations and membership changes of one organisation queue up."""
    return Organisation.objects.select_for_update().get(pk=organisation.pk)


def _check_manages(by, organisation: Organisation) -> None:
    if not permissions.may_manage_people(by, organisation):
        raise NotAllowed(permissions.PEOPLE_REFUSALS["manage"])


def _check_a_referent_remains(membership: Membership, by) -> None:
    """Refuses to leave the organisation without référent, except to an administrator (who can invite one)."""
    if not membership.is_referent or permissions.is_people_administrator(by):
        return
    others = Membership.objects.filter(organisation_id=membership.organisation_id, is_referent=True)
    if others.exclude(pk=membership.pk).exists():
        return
    organisation = membership.organisation
    if membership.user_id == by.pk:
        raise AccountRefused(
            _(
                "You are the last référent of %(organisation)s: make another member référent first, so that "
                "someone can still invite and remove its members."
            )
            % {"organisation": organisation.display_name}
        )
    raise AccountRefused(
        _(
            "%(name)s is the last référent of %(organisation)s: make another member référent first, so that "
            "someone can still invite and remove its members."
        )
        % {"name": person_name(membership.user), "organisation": organisation.display_name}
    )


# --- Invitations ----------------------------------------------------------------------------------


def invite_person(
    *,
    email: str,
    full_name: str = "",
    organisation: Organisation,
    role: str = MembershipRole.STAFF,
    is_referent: bool = False,
    representative: Representative | None = None,
    by,
) -> Invitation:
    """Invites ``email`` to join ``organisation`` (with ``role``, référent or not), or to take up the
    account of ``representative``; the e-mail leaves once the transaction commits.

    Refused: an invalid address, a pending invitation of the same address to the same organisation
    (send that one again instead), a person who already has an active account and is already a
    member (with nothing else to link). An expired pending invitation is closed and replaced.
    """
    email = _clean_email(email)
    full_name = " ".join((full_name or "").split())
    if not full_name and representative is not None:
        full_name = representative.full_name
    if len(full_name) > FULL_NAME_MAX_LENGTH:
        raise AccountRefused(
            _("The name is limited to %(limit)s characters.") % {"limit": FULL_NAME_MAX_LENGTH},
        )
    if role not in MembershipRole.values:
        raise AccountRefused(_("Choose the person's role."))
    if representative is not None and representative.organisation_id != organisation.pk:
        raise AccountRefused(permissions.PEOPLE_REFUSALS["representative"])
    if not permissions.may_invite(by, organisation, representative=representative, is_referent=is_referent):
        raise NotAllowed(permissions.PEOPLE_REFUSALS["manage"])

    with transaction.atomic():
        organisation = _locked_organisation(organisation)
        now = timezone.now()
        pending = Invitation.objects.select_for_update().filter(
            organisation=organisation, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
        )
        for earlier in pending:
            if invitation_state(earlier, now=now) != "expired":
                raise AccountRefused(
                    _(
                        "%(email)s already has a pending invitation to %(organisation)s: send it again from the "
                        "team page rather than inviting twice."
                    )
                    % {"email": earlier.email, "organisation": organisation.display_name}
                )
            earlier.revoked_at = now  # expired: closed, so that the new one is the only pending one
            earlier._history_user = by
            earlier.save(update_fields=["revoked_at"])
        account = accounts_for_email(email).filter(is_active=True).first()
        nothing_to_link = account is not None and (representative is None or representative.user_id == account.pk)
        if nothing_to_link and Membership.objects.filter(user=account, organisation=organisation).exists():
            raise AccountRefused(
                _("%(email)s already has an account and is already a member of %(organisation)s.")
                % {"email": email, "organisation": organisation.display_name}
            )
        invitation = Invitation(
            email=email,
            full_name=full_name,
            organisation=organisation,
            role=role,
            is_referent=is_referent,
            representative=representative,
            invited_by=by,
            expires_at=_expiry(now),
        )
        invitation._history_user = by
        try:
            with transaction.atomic():
                invitation.save()
        except IntegrityError:  # another request invited the same address a moment ago
            raise AccountRefused(_("This person already has a pending invitation to this organisation.")) from None
        _queue_sending(invitation)
    return invitation


def _locked_invitation(invitation: Invitation) -> Invitation:
    locked = Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if locked is None:
        raise AccountRefused(_("This invitation no longer exists."))
    return locked


def resend_invitation(*, invitation: Invitation, by) -> Invitation:
    """Sends the invitation again with a new link (the previous one stops working) and a new expiry."""
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        if not permissions.may_handle_invitation(by, invitation):
            raise NotAllowed(permissions.PEOPLE_REFUSALS["invitation"])
        state = invitation_state(invitation)
        if state == "used":
            raise AccountRefused(_("This invitation has been accepted already."))
        if state == "revoked":
            raise AccountRefused(_("This invitation has been revoked: invite the person again."))
        invitation.expires_at = _expiry(timezone.now())
        invitation.token_sha256 = ""
        invitation.sent_at = None
        invitation.enqueue_failed_at = None
        invitation._history_user = by
        invitation.save(update_fields=["expires_at", "token_sha256", "sent_at", "enqueue_failed_at"])
        _queue_sending(invitation)
    return invitation


def revoke_invitation(*, invitation: Invitation, by) -> Invitation:
    """Closes a pending invitation: its link then says it was withdrawn. Revoking twice changes nothing."""
    with transaction.atomic():
        invitation = _locked_invitation(invitation)
        if not permissions.may_handle_invitation(by, invitation):
            raise NotAllowed(permissions.PEOPLE_REFUSALS["invitation"])
        if invitation.accepted_at is not None:
            raise AccountRefused(
                _("This invitation has been accepted already: remove the member from the team instead.")
            )
        if invitation.revoked_at is None:
            invitation.revoked_at = timezone.now()
            invitation._history_user = by
            invitation.save(update_fields=["revoked_at"])
    return invitation


def _account_for_invitation(invitation: Invitation, *, password, user, first_name, last_name):
    """The account that accepts: the signed-in one, or one made (or woken up) with ``password``."""
    if user is not None and user.is_authenticated:
        if invitation.email.lower() not in {user.email.strip().lower(), user.get_username().lower()}:
            raise AccountRefused(
                _(
                    "This invitation was sent to %(email)s, and you are logged in as %(account)s. Log out, "
                    "then open the link again."
                )
                % {"email": invitation.email, "account": user.get_username()}
            )
        return user
    if not password:
        raise AccountRefused(_("Choose a password."))
    account = accounts_for_email(invitation.email).first()
    if account is not None and account.is_active:
        raise ExistingAccount(
            _("An account already uses %(email)s: log in to accept the invitation.") % {"email": invitation.email}
        )
    if account is None:  # an inactive account (removed from its last organisation) is woken up instead
        account = User(username=invitation.email.lower(), email=BaseUserManager.normalize_email(invitation.email))
    given_first, given_last = split_full_name(invitation.full_name)
    if first_name is not None or not account.first_name:
        account.first_name = (first_name if first_name is not None else given_first).strip()
    if last_name is not None or not account.last_name:
        account.last_name = (last_name if last_name is not None else given_last).strip()
    account.is_active = True
    password_validation.validate_password(password, account)
    account.set_password(password)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:  # the same address accepted twice at once
        raise ExistingAccount(
            _("An account already uses %(email)s: log in to accept the invitation.") % {"email": invitation.email}
        ) from None
    return account


def accept_invitation(
    *,
    token: str,
    password: str | None = None,
    user=None,
    first_name: str | None = None,
    last_name: str | None = None,
):
    """Uses the invitation's link once and returns the account that accepted it.

    Signed in (``user``), the account must hold the invitation's address; otherwise ``password``
    creates the account (username: the address, lower-cased; names from the invitation unless given),
    or reactivates the inactive account of that address. Then: the membership (role, référent), the
    link to the representative, and the invitation marked used. Raises ``InvitationUnusable`` for an
    unknown, used, revoked or expired link, ``ExistingAccount`` when its holder must log in, and
    Django's ``ValidationError`` for a password the validators refuse.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(token_sha256=token_digest(token or "")).first()
        if invitation is None or not token:
            raise InvitationUnusable("unknown")
        state = invitation_state(invitation)
        if state != "pending":
            raise InvitationUnusable(state)
        account = _account_for_invitation(
            invitation, password=password, user=user, first_name=first_name, last_name=last_name
        )
        if permissions.invitation_grants_membership(invitation):
            membership, created = Membership.objects.get_or_create(
                user=account,
                organisation=invitation.organisation,
                defaults={"role": invitation.role, "is_referent": invitation.is_referent},
            )
            if not created and invitation.is_referent and not membership.is_referent:
                membership.is_referent = True
                membership._history_user = account
                membership.save(update_fields=["is_referent"])
        if invitation.representative_id is not None:
            representative = Representative.objects.select_for_update().get(pk=invitation.representative_id)
            if representative.user_id != account.pk:
                representative.user = account
                representative._history_user = account
                representative.save(update_fields=["user"])
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = account
        invitation._history_user = account
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return account


def invitation_was_replaced(token: str) -> bool:
    """Whether this unknown link was an invitation's earlier one (sent again since, or accepted)."""
    return bool(token) and Invitation.history.filter(token_sha256=token_digest(token)).exists()


# --- Members and référents ------------------------------------------------------------------------


def _locked_membership(membership: Membership) -> Membership:
    locked = Membership.objects.select_for_update().filter(pk=membership.pk).first()
    if locked is None:
        raise AccountRefused(_("This person is no longer a member of this organisation."))
    return locked


def remove_member(*, membership: Membership, by) -> MemberRemoval:
    """Removes a person from the organisation; without any membership left (and unless they are a
    portal administrator), their account is deactivated, which ends their open sessions at once."""
    with transaction.atomic():
        organisation = _locked_organisation(membership.organisation)
        _check_manages(by, organisation)
        membership = _locked_membership(membership)
        membership.organisation = organisation
        # Locked too: two removals from two organisations at once must not both leave the account active.
        account = User.objects.select_for_update().get(pk=membership.user_id)
        membership.user = account
        _check_a_referent_remains(membership, by)
        membership._history_user = by
        membership.delete()
        deactivated = False
        if account.is_active and not account.is_superuser and not Membership.objects.filter(user=account).exists():
            account.is_active = False
            account.save(update_fields=["is_active"])
            deactivated = True
    return MemberRemoval(name=person_name(account), deactivated=deactivated)


def set_referent(*, membership: Membership, is_referent: bool, by) -> Membership:
    """Makes a member référent, or not; the last référent cannot step down (but an administrator can
    take it away: they invite a new one)."""
    with transaction.atomic():
        organisation = _locked_organisation(membership.organisation)
        _check_manages(by, organisation)
        membership = _locked_membership(membership)
        membership.organisation = organisation
        if membership.is_referent == is_referent:
            return membership
        if not is_referent:
            _check_a_referent_remains(membership, by)
        membership.is_referent = is_referent
        membership._history_user = by
        membership.save(update_fields=["is_referent"])
    return membership


# --- E-mails (run by the tasks of partners.tasks) ---------------------------------------------------


def _tidy(text: str) -> str:
    """Template tags leave blank lines and trailing spaces behind: keep paragraphs, drop the rest."""
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


def render_email(template_prefix: str, context: dict) -> tuple[str, str]:
    """The French subject (one line) and plain-text body of ``<template_prefix>_subject.txt``/``_body.txt``."""
    with translation.override("fr"):
        subject = render_to_string(f"{template_prefix}_subject.txt", context)
        body = render_to_string(f"{template_prefix}_body.txt", context)
    return " ".join(subject.split()), _tidy(body)


def portal_url(path: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def invitation_send(*, invitation_pk: int) -> bool:
    """Sends an invitation's e-mail with a fresh link, unless it went already; returns whether it went now.

    The row stays locked while the mail goes out, so a second delivery of the task waits, then finds
    ``sent_at`` set and sends nothing. Should sending fail, nothing is kept (neither the token's hash nor
    ``sent_at``) and the error goes up for the task to retry.
    """
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_pk).first()
        if invitation is None:
            logger.warning("Invitation %s no longer exists: nothing to send.", invitation_pk)
            return False
        if invitation.sent_at is not None or invitation_state(invitation) != "pending":
            return False
        token = secrets.token_urlsafe(32)
        invitation.token_sha256 = token_digest(token)
        invitation.sent_at = timezone.now()
        invitation.enqueue_failed_at = None
        invitation.save(update_fields=["token_sha256", "sent_at", "enqueue_failed_at"])
        organisation = invitation.organisation
        inviter = invitation.invited_by
        subject, body = render_email(
            "partners/people/emails/invitation",
            {
                "invitation": invitation,
                "organisation": organisation,
                "inviter_name": person_name(inviter) if inviter else "",
                "inviter_email": inviter.email if inviter else "",
                "grants_membership": permissions.invitation_grants_membership(invitation),
                "representative": invitation.representative,
                "url": portal_url(reverse("partners:invitation_accept", kwargs={"token": token})),
            },
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [invitation.email], fail_silently=False)
    return True


def invitations_requeue_unsent(*, now: datetime.datetime | None = None) -> int:
    """Queues again the pending invitations whose e-mail never went; returns how many were queued."""
    now = now or timezone.now()
    unsent = (
        Invitation.objects.filter(
            sent_at__isnull=True, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
        )
        .filter(Q(enqueue_failed_at__isnull=False) | Q(created_at__lte=now - UNSENT_GRACE))
        .order_by("created_at")
        .values_list("pk", flat=True)
    )
    count = 0
    for pk in list(unsent):
        if not enqueue(_send_task(), (pk,)):
            break  # the broker is down: the next sweep tries again
        count += 1
    return count


def password_reset_send(*, user_pk: int, delivery_id: str) -> bool:
    """E-mails a password reset link to an active account that has an address, once per ``delivery_id``
    (the task's id); returns whether it went now.

    The token is made here, in the task, from the account's current state (Django's
    ``default_token_generator``): it stops working once the password changes or after
    ``PASSWORD_RESET_TIMEOUT``. The ``PasswordResetEmail`` row is written in the transaction that sends
    the mail: a second delivery of the task waits for the first, then finds the row and sends nothing;
    should sending fail, no row is kept and the error goes up for the task to retry.
    """
    with transaction.atomic():
        account = User.objects.filter(pk=user_pk, is_active=True).first()
        if account is None or not account.email or not account.has_usable_password():
            return False
        now = timezone.now()
        try:
            with transaction.atomic():
                PasswordResetEmail.objects.create(delivery_id=delivery_id, user=account, sent_at=now)
        except IntegrityError:
            logger.info("Password reset e-mail %s went already: not sent again.", delivery_id)
            return False
        uid = urlsafe_base64_encode(force_bytes(account.pk))
        token = default_token_generator.make_token(account)
        timeout = settings.PASSWORD_RESET_TIMEOUT
        subject, body = render_email(
            "registration/password_reset",
            {
                "account": account,
                "name": account.get_full_name(),
                "username": account.get_username(),
                "url": portal_url(reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})),
                # Whole days when the timeout is (Django's three days), else hours.
                "valid_days": timeout // 86400 if timeout % 86400 == 0 else 0,
                "valid_hours": max(1, timeout // 3600),
            },
        )
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [account.email], fail_silently=False)
        PasswordResetEmail.objects.filter(sent_at__lt=now - PASSWORD_RESET_EMAILS_KEPT).delete()
    return True
