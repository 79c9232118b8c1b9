"""Reads of the convention record shared by pages, exports, e-mails and PDFs, scoped to the user,
without N+1: one convention, its versions, who signed and whose turn it is."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from conventions.choices import ConventionStatus, GovernanceBodyKind, LifecycleAction, PartyRole
from conventions.models import (
    Convention,
    ConventionVersion,
    GovernanceBody,
    GovernanceMember,
    Meeting,
    Party,
    Signature,
    StatusChange,
)
from conventions.permissions import parties_whose_turn
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Membership


def convention_for_user(*, user, pk: int) -> Convention:
    """One convention the user may see, or 404 — never 403, so its existence does not leak."""
    return get_object_or_404(
        Convention.objects.visible_to(user).select_related(
            "epci", "action_plan", "diagnostic", "approved_version", "signed_version"
        ),
        pk=pk,
    )


# --- Lifecycle, versions and signatures ------------------------------------------------------------


def versions_of(*, convention: Convention) -> list[ConventionVersion]:
    """The convention's versions, newest first, without their (large) content; each knows whether
    every signatory signed it (``is_signed``) and whether it is the text in force (``is_current``)."""
    completed = StatusChange.objects.filter(version=OuterRef("pk"), action=LifecycleAction.COMPLETE_SIGNATURE)
    found = list(
        ConventionVersion.objects.filter(convention=convention)
        .defer("content_json")
        .select_related("approved_by")
        .annotate(is_signed=Exists(completed))
        .order_by("-number")
    )
    for version in found:
        version.is_current = version.pk == convention.signed_version_id
        version.is_being_signed = version.pk == convention.approved_version_id
    return found


def version_is_signed(version: ConventionVersion) -> bool:
    """Whether every signatory signed this version (the last signature recorded COMPLETE_SIGNATURE)."""
    return StatusChange.objects.filter(version=version, action=LifecycleAction.COMPLETE_SIGNATURE).exists()


def version_for_user(*, user, convention_pk: int, number: int) -> ConventionVersion:
    """One version of a convention the user may see, or 404."""
    convention = convention_for_user(user=user, pk=convention_pk)
    return get_object_or_404(
        ConventionVersion.objects.select_related("approved_by"), convention=convention, number=number
    )


@dataclass
class PartySigningState:
    party: Party
    signature: Signature | None
    is_turn: bool
    # What the reading user may do for this party, set by the page's selector from the policy.
    user_may_sign: bool = False
    user_may_preview: bool = False

    @property
    def is_signed(self) -> bool:
        return self.signature is not None

    @property
    def is_waiting(self) -> bool:
        return not self.is_signed and not self.is_turn


def signing_states(*, convention: Convention, version: ConventionVersion | None = None) -> list[PartySigningState]:
    """Each signatory party with its valid signature of ``version`` (default: the one being signed)
    and whether it is its turn (``conventions.permissions.parties_whose_turn``)."""
    version = version or convention.approved_version or convention.signed_version
    parties = list(
        convention.parties.filter(role=PartyRole.SIGNATORY)
        .select_related("organisation", "representative__user")
        .order_by("signing_order", "organisation__name", "representative__full_name", "pk")
    )
    signatures = {}
    if version is not None:
        signatures = {
            s.party_id: s
            for s in Signature.objects.filter(version=version, voided_at__isnull=True).select_related(
                "signer", "representative"
            )
        }
    turn = parties_whose_turn(
        parties=[(p.pk, p.signing_order) for p in parties], signed_party_ids=set(signatures), status=convention.status
    )
    return [PartySigningState(party=p, signature=signatures.get(p.pk), is_turn=p.pk in turn) for p in parties]


def version_standing(version, convention, today: datetime.date | None = None) -> str:
    """A key of ``VERSION_STANDINGS`` for ``version``, annotated by ``versions_of`` or
    ``workflow.selectors.version_detail`` (``is_current``, ``is_being_signed``, ``is_signed``)."""
    today = today or timezone.localdate()
    if version.is_current:
        status = convention.status_on(today)
        if status == ConventionStatus.TERMINATED:
            return "terminated"
        # While an avenant is prepared the convention is a draft again, but its signed text still
        # runs by the calendar: it is in force between the period's dates.
        if today > convention.period_end or status == ConventionStatus.EXPIRED:
            return "expired"
        return "in_force" if today >= convention.period_start else "signed"
    if version.is_being_signed:
        return "being_signed" if convention.status == ConventionStatus.IN_SIGNATURE else "approved"
    # Approval is followed by signature; a version neither signed nor being signed was declined.
    return "superseded" if version.is_signed else "void"


# --- Meetings of the committees ---------------------------------------------------------------------


@dataclass
class MeetingsPage:
    coming: list[Meeting]  # soonest first
    past: list[Meeting]  # latest first
    bodies: list[GovernanceBody]


def _meetings(convention: Convention) -> QuerySet:
    return (
        Meeting.objects.filter(body__convention=convention)
        .select_related("body")
        .annotate(attendee_count=Count("attendees"))
    )


def meetings_page(*, convention: Convention, today: datetime.date | None = None) -> MeetingsPage:
    """The convention's meetings, coming then past, in two queries whatever their number."""
    today = today or timezone.localdate()
    meetings = list(_meetings(convention).order_by("held_on", "pk"))
    bodies = list(convention.governance_bodies.annotate(member_count=Count("members")).order_by("kind", "name"))
    return MeetingsPage(
        coming=[meeting for meeting in meetings if meeting.held_on > today],
        past=[meeting for meeting in reversed(meetings) if meeting.held_on <= today],
        bodies=bodies,
    )


def meeting_for_page(*, convention: Convention, pk: int) -> Meeting:
    """One meeting of ``convention`` with its body's members and its attendees, or 404."""
    members = GovernanceMember.objects.select_related("representative__organisation").order_by(
        "role", "representative__full_name"
    )
    return get_object_or_404(
        Meeting.objects.select_related("body", "created_by").prefetch_related(
            Prefetch("body__members", queryset=members), Prefetch("attendees", queryset=members)
        ),
        body__convention=convention,
        pk=pk,
    )


def neighbour_meetings(meeting: Meeting) -> tuple[Meeting | None, Meeting | None]:
    """The previous and the next meeting of the same body (the report's « next steps »)."""
    same_body = Meeting.objects.filter(body_id=meeting.body_id).exclude(pk=meeting.pk)
    previous = (
        same_body.filter(held_on__lte=meeting.held_on)
        .exclude(held_on=meeting.held_on, pk__gt=meeting.pk)
        .order_by("-held_on", "-pk")
        .first()
    )
    following = (
        same_body.filter(held_on__gte=meeting.held_on)
        .exclude(held_on=meeting.held_on, pk__lt=meeting.pk)
        .order_by("held_on", "pk")
        .first()
    )
    return previous, following


# --- Who holds each role of the policy (``conventions.permissions``), for the e-mails ---------------


def epci_staff_memberships(convention: Convention) -> QuerySet:
    """The active staff of the convention's intercommunality (``permissions.is_epci_staff``)."""
    return (
        Membership.objects.filter(organisation_id=convention.epci_id, role=MembershipRole.STAFF, user__is_active=True)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )


def caf_officer_memberships(convention: Convention) -> QuerySet:
    """The active staff of a CAF that is party to the convention (``permissions.is_caf_officer``)."""
    return (
        Membership.objects.filter(
            role=MembershipRole.STAFF,
            user__is_active=True,
            organisation__kind=OrganisationKind.CAF,
            organisation_id__in=Party.objects.filter(convention=convention).values("organisation_id"),
        )
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__pk")
    )


def signatory_parties(convention: Convention) -> QuerySet:
    """The signatory parties that have a representative, in signing order."""
    return (
        Party.objects.filter(convention=convention, role=PartyRole.SIGNATORY, representative__isnull=False)
        .select_related("representative__user")
        .order_by("signing_order", "pk")
    )


def copil_memberships(convention: Convention) -> QuerySet:
    """The members of the convention's steering committee (``permissions`` copil members)."""
    return (
        GovernanceMember.objects.filter(body__convention=convention, body__kind=GovernanceBodyKind.STEERING_COMMITTEE)
        .select_related("representative__user")
        .order_by("representative__full_name", "pk")
    )
