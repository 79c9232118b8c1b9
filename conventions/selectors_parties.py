"""Reads of the « Signataires et associés » and « Gouvernance » pages: the parties in signing order with
their representatives' invitation state, the organisations one may pick, the committees with their
members; a fixed number of queries whatever the number of parties or members."""

from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from conventions.choices import PartyRole, SignatureMethod
from conventions.models import Convention, GovernanceBody, GovernanceMember, Party
from partners.choices import OrganisationKind
from partners.models import Invitation, Organisation, Representative

# How many organisations a search adds to the picker, beyond the territory's and the partners'.
SEARCH_LIMIT = 30
SEARCH_MIN_LENGTH = 2


# Local authorities sign after a deliberation of their council: the page asks for it.
LOCAL_AUTHORITY_KINDS = frozenset({OrganisationKind.COMMUNE, OrganisationKind.EPCI, OrganisationKind.DEPARTEMENT})


def is_local_authority(organisation: Organisation) -> bool:
    return organisation.kind in LOCAL_AUTHORITY_KINDS


def invitation_expected(party: Party) -> bool:
    """Whether this party's representative should get an invitation: a signatory signing in the portal
    whose representative has an e-mail and no account yet (the rule ``services.parties`` applies)."""
    representative = party.representative
    return (
        party.role == PartyRole.SIGNATORY
        and party.signature_method == SignatureMethod.ELECTRONIC
        and representative is not None
        and bool(representative.email)
        and representative.user_id is None
    )


def pending_invitation(representative: Representative) -> Invitation | None:
    """The representative's invitation still waiting to be accepted, if any."""
    return (
        representative.invitations.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )


# --- Invitation state of a signatory's representative ------------------------------------------------

# key: (label, Bootstrap badge class)
INVITATION_STATES = {
    "account": (_("Has an account"), "text-bg-success"),
    "sent": (_("Invitation sent"), "text-bg-info"),
    "pending": (_("Invitation being sent"), "text-bg-light border"),
    "failed": (_("Invitation not sent"), "text-bg-danger"),
    "expired": (_("Invitation expired"), "text-bg-warning"),
    "not_invited": (_("Not invited yet"), "text-bg-warning"),
    "no_email": (_("E-mail missing"), "text-bg-warning"),
    "paper": (_("Signs on paper"), "text-bg-light border"),
    "no_representative": (_("Representative to be designated"), "text-bg-warning"),
}


@dataclass
class PartyRow:
    party: Party
    invitation: Invitation | None  # the representative's latest invitation not revoked
    invitation_state: str  # a key of INVITATION_STATES, "" for an associate

    @property
    def invitation_label(self):
        return INVITATION_STATES[self.invitation_state][0] if self.invitation_state else ""

    @property
    def invitation_badge(self) -> str:
        return INVITATION_STATES[self.invitation_state][1] if self.invitation_state else ""

    @property
    def may_be_invited(self) -> bool:
        """Whether the « Invite » button applies (the service checks the same, and the user's rights)."""
        return self.invitation_state in ("not_invited", "expired", "failed") and invitation_expected(self.party)

    @property
    def is_local_authority(self) -> bool:
        return self.party.organisation.kind in LOCAL_AUTHORITY_KINDS

    @property
    def deliberation_missing(self) -> bool:
        return (
            self.party.role == PartyRole.SIGNATORY
            and self.is_local_authority
            and not (self.party.deliberation_number and self.party.deliberation_date)
        )


@dataclass
class PartiesPage:
    signatories: list[PartyRow]  # in signing order
    associates: list[PartyRow]

    @property
    def rounds(self) -> int:
        return len({row.party.signing_order for row in self.signatories})


def _invitation_state(party: Party, invitations: list[Invitation], now) -> tuple[str, Invitation | None]:
    if party.role != PartyRole.SIGNATORY:
        return "", None
    representative = party.representative
    if representative is None:
        return "no_representative", None
    latest = next((i for i in invitations if i.revoked_at is None), None)
    if representative.user_id is not None or (latest is not None and latest.accepted_at is not None):
        return "account", latest
    if party.signature_method == SignatureMethod.PAPER:
        return "paper", latest
    if latest is not None:
        if latest.expires_at <= now:
            return "expired", latest
        if latest.sent_at is not None:
            return "sent", latest
        if latest.enqueue_failed_at is not None:
            return "failed", latest
        return "pending", latest
    if not representative.email:
        return "no_email", None
    return "not_invited", None


def _parties(convention: Convention) -> QuerySet:
    invitations = Invitation.objects.order_by("-created_at", "-pk")
    return (
        Party.objects.filter(convention=convention)
        .select_related("organisation", "representative")
        .prefetch_related(Prefetch("representative__invitations", queryset=invitations))
    )


def parties_page(*, convention: Convention) -> PartiesPage:
    """Signatories in signing order (then by name) and associates by name, in three queries."""
    now = timezone.now()
    rows = []
    for party in _parties(convention):
        invitations = list(party.representative.invitations.all()) if party.representative else []
        state, invitation = _invitation_state(party, invitations, now)
        rows.append(PartyRow(party=party, invitation=invitation, invitation_state=state))

    def name(row: PartyRow) -> tuple:
        representative = row.party.representative
        return (row.party.organisation.name.lower(), representative.full_name if representative else "", row.party.pk)

    signatories = sorted(
        (row for row in rows if row.party.role == PartyRole.SIGNATORY),
        key=lambda row: (row.party.signing_order, *name(row)),
    )
    associates = sorted((row for row in rows if row.party.role == PartyRole.ASSOCIATE), key=name)
    return PartiesPage(signatories=signatories, associates=associates)


def party_for_page(*, convention: Convention, pk: int) -> Party:
    """One party of ``convention``, or 404."""
    return get_object_or_404(
        Party.objects.select_related("organisation", "representative", "convention"), convention=convention, pk=pk
    )


def party_row(*, convention: Convention, pk: int) -> PartyRow:
    party = get_object_or_404(_parties(convention), pk=pk)
    invitations = list(party.representative.invitations.all()) if party.representative else []
    state, invitation = _invitation_state(party, invitations, timezone.now())
    return PartyRow(party=party, invitation=invitation, invitation_state=state)


def parties_of(*, convention: Convention, organisation: Organisation) -> list[Party]:
    """The organisation's lines already in the convention (a commune may sign through two people)."""
    return list(
        Party.objects.filter(convention=convention, organisation=organisation)
        .select_related("representative")
        .order_by("signing_order", "pk")
    )


def representatives_of(organisation: Organisation) -> QuerySet:
    """The organisation's active people, by name: those a party or a committee seat can name."""
    return Representative.objects.filter(organisation=organisation, is_active=True).order_by("full_name", "title")


def representative_in_convention(*, convention: Convention, pk: int) -> Representative:
    """A person who signs for a party of ``convention`` or sits on one of its committees, or 404."""
    named = Q(parties__convention=convention) | Q(body_memberships__body__convention=convention)
    return get_object_or_404(Representative.objects.filter(named).select_related("organisation").distinct(), pk=pk)


# --- The organisation picker -----------------------------------------------------------------------


def _territory(convention: Convention) -> Q:
    return Q(pk=convention.epci_id) | Q(epci_id=convention.epci_id)


# Groups of the picker, in the order a CTG's parties usually come: the territory, then the partners.
PICKER_GROUPS = [
    ("territory", _("The intercommunality and its communes")),
    (OrganisationKind.CAF, _("Family allowance funds (CAF)")),
    (OrganisationKind.DEPARTEMENT, _("Départements")),
    (OrganisationKind.STATE_SERVICE, _("State services")),
    (OrganisationKind.MSA, _("Agricultural social mutual (MSA)")),
    ("partners", _("Associations, social centres and other partners")),
    ("search", _("Other organisations found")),
]
_PARTNER_KINDS = (OrganisationKind.ASSOCIATION, OrganisationKind.SOCIAL_CENTRE, OrganisationKind.OTHER)


def organisation_picker(
    *, convention: Convention, search: str = "", include: Organisation | None = None
) -> list[tuple[str, list[Organisation]]]:
    """The organisations offered when adding a party or a committee member, grouped as ``PICKER_GROUPS``
    (empty groups left out): the intercommunality and its communes first, then every CAF, département,
    State service and other partner. Communes and intercommunalities elsewhere (tens of thousands)
    come only from a search by name, SIREN or INSEE code, ``SEARCH_LIMIT`` at most, or as ``include``.
    Two queries (one without a search)."""
    search = " ".join(search.split())
    everyday = Organisation.objects.filter(
        _territory(convention) | ~Q(kind__in=[OrganisationKind.COMMUNE, OrganisationKind.EPCI])
    )
    if search:
        matching = Q(name__icontains=search) | Q(short_name__icontains=search) | Q(legal_name__icontains=search)
        if search.isdigit():
            matching |= Q(siren=search) | Q(insee_code=search)
        everyday = everyday.filter(matching)
    groups: dict[str, list[Organisation]] = {key: [] for key, _label in PICKER_GROUPS}
    for organisation in everyday.order_by("name"):
        if organisation.pk == convention.epci_id or organisation.epci_id == convention.epci_id:
            key = "territory"
        elif organisation.kind in _PARTNER_KINDS:
            key = "partners"
        else:
            key = organisation.kind
        groups[key].append(organisation)
    # The intercommunality before its communes.
    groups["territory"].sort(key=lambda o: (o.pk != convention.epci_id, o.name.lower()))
    if len(search) >= SEARCH_MIN_LENGTH:
        others = (
            Organisation.objects.filter(kind__in=[OrganisationKind.COMMUNE, OrganisationKind.EPCI])
            .exclude(_territory(convention))
            .filter(matching)
            .order_by("name")[:SEARCH_LIMIT]
        )
        groups["search"] = list(others)
    if include is not None and not any(include.pk == o.pk for organisations in groups.values() for o in organisations):
        groups["search"].insert(0, include)  # just created, or chosen before a search that misses it
    return [(str(label), groups[key]) for key, label in PICKER_GROUPS if groups[key]]


def picked_organisation(*, convention: Convention, pk) -> Organisation | None:
    """The organisation of a picker's answer (any organisation: a search may find it), or None."""
    if not str(pk).isdigit():
        return None
    return Organisation.objects.filter(pk=pk).select_related("epci").first()


# --- Governance --------------------------------------------------------------------------------------


def governance_page(*, convention: Convention) -> list[GovernanceBody]:
    """The committees, the steering committee first, each with its members (chair, co-chairs, then
    members by name) and its number of meetings, in two queries."""
    members = GovernanceMember.objects.select_related("representative__organisation").order_by(
        "role", "representative__full_name", "pk"
    )
    bodies = list(
        convention.governance_bodies.annotate(meeting_count=Count("meetings"))
        .prefetch_related(Prefetch("members", queryset=members))
        .order_by("kind", "name")
    )
    role_order = {"chair": 0, "co_chair": 1, "member": 2}
    for body in bodies:
        body.sorted_members = sorted(
            body.members.all(), key=lambda m: (role_order.get(m.role, 3), m.representative.full_name.lower(), m.pk)
        )
    return bodies


def body_for_page(*, convention: Convention, pk: int) -> GovernanceBody:
    return get_object_or_404(GovernanceBody.objects.select_related("convention"), convention=convention, pk=pk)


def member_for_page(*, convention: Convention, pk: int) -> GovernanceMember:
    return get_object_or_404(
        GovernanceMember.objects.select_related("body__convention", "representative__organisation"),
        body__convention=convention,
        pk=pk,
    )


def member_candidates(*, convention: Convention) -> list[tuple[str, list[Representative]]]:
    """The people one may seat on a committee without typing them: the active people of every party
    organisation, and those already on one of the convention's committees, grouped by organisation."""
    party_organisations = convention.parties.values("organisation_id")
    people = (
        Representative.objects.filter(
            Q(organisation_id__in=party_organisations, is_active=True)
            | Q(body_memberships__body__convention=convention)
        )
        .select_related("organisation")
        .distinct()
        .order_by("organisation__name", "full_name", "title")
    )
    groups: dict[int, tuple[str, list[Representative]]] = {}
    for person in people:
        groups.setdefault(person.organisation_id, (person.organisation.display_name, []))[1].append(person)
    return list(groups.values())
