"""Reads of the people pages: an organisation's team, its pending invitations, an invitation's link.

Every read is scoped to the user: an organisation whose team one may not see answers 404.
"""

import hashlib

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from partners.models import Invitation, Membership, Organisation
from partners.permissions import is_people_administrator

# Above this many organisations, the administrators' list asks for a search.
ORGANISATION_LIST_LIMIT = 50


def token_digest(token: str) -> str:
    """What the database keeps of an invitation's token: its SHA-256, in hexadecimal."""
    return hashlib.sha256(token.encode()).hexdigest()


def organisations_with_team_for(user) -> QuerySet[Organisation]:
    """The organisations whose Équipe page ``user`` may open: their own, every one for administrators."""
    if is_people_administrator(user):
        return Organisation.objects.all()
    if not (user.is_authenticated and user.is_active):
        return Organisation.objects.none()
    return Organisation.objects.filter(Exists(Membership.objects.filter(user=user, organisation=OuterRef("pk"))))


def organisation_for_people(*, user, pk: int) -> Organisation:
    return get_object_or_404(organisations_with_team_for(user), pk=pk)


def organisations_for_people_home(*, user, query: str = "") -> QuerySet[Organisation]:
    """The organisations listed on « Mon équipe »; administrators search every organisation by name."""
    organisations = organisations_with_team_for(user).order_by("name")
    query = query.strip()
    if query:
        organisations = organisations.filter(
            Q(name__icontains=query) | Q(short_name__icontains=query) | Q(siren=query) | Q(insee_code=query)
        )
    return organisations


def team_members(organisation: Organisation) -> QuerySet[Membership]:
    """The organisation's members, référents first, then by name."""
    return (
        Membership.objects.filter(organisation=organisation)
        .select_related("user")
        .order_by("-is_referent", "user__last_name", "user__first_name", "user__username")
    )


def pending_invitations(organisation: Organisation) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked (expired ones included: they can be sent again)."""
    return (
        Invitation.objects.filter(organisation=organisation, accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by", "representative")
        .order_by("-created_at")
    )


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link's token opens, whatever its state; None for an unknown token."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organisation", "invited_by", "representative")
        .filter(token_sha256=token_digest(token))
        .first()
    )


def invitation_state(invitation: Invitation, *, now=None) -> str:
    """``pending``, ``used``, ``revoked`` or ``expired``: what the link can still do."""
    if invitation.accepted_at is not None:
        return "used"
    if invitation.revoked_at is not None:
        return "revoked"
    if invitation.expires_at <= (now or timezone.now()):
        return "expired"
    return "pending"
