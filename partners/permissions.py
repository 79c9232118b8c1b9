"""Who may see or do what with organisations and their people: the partners' policy, one function per rule.

Each section is self-contained; views, templates and services ask the same functions, so a button
shown is a button the service accepts.
"""

from django.utils.translation import gettext_lazy

from partners.choices import MembershipRole, OrganisationKind
from partners.models import Invitation, Membership, Organisation

# --- Members and invitations ------------------------------------------------------------------------
# An organisation's people are managed by its référents (members with ``is_referent``) and by the
# portal's administrators (active superusers), who also invite the first référent of an organisation
# that has none. Every member reads the list of members; anyone else gets a 404 (the organisation is
# not among those they may open). A representative (a signatory, a committee member) may also be
# invited by whoever edits the convention they take part in: that check belongs to the caller (the
# party editor, in a higher layer), and such an invitation grants a membership only when its sender
# manages the organisation's people (``invitation_grants_membership``).

PEOPLE_ABILITY_KEYS = (
    "view",
    "invite",
    "manage_invitations",
    "remove_members",
    "set_referents",
    "administer",
)

PEOPLE_REFUSALS = {
    "manage": gettext_lazy(
        "Only the organisation's référents and the portal's administrators can invite, remove or change its members."
    ),
    "invitation": gettext_lazy(
        "Only the organisation's référents, or the person who sent it, can change this invitation."
    ),
    "representative": gettext_lazy("This representative does not belong to this organisation."),
}


def _is_active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_people_administrator(user) -> bool:
    """The portal's administrators manage every organisation's people."""
    return _is_active(user) and user.is_superuser


def people_membership(user, organisation: Organisation) -> tuple[str, bool] | None:
    """``(role, is_referent)`` of the user's membership in the organisation, or None (one query)."""
    if not _is_active(user):
        return None
    return Membership.objects.filter(user=user, organisation=organisation).values_list("role", "is_referent").first()


def is_referent(user, organisation: Organisation) -> bool:
    membership = people_membership(user, organisation)
    return membership is not None and membership[1]


def may_manage_people(user, organisation: Organisation) -> bool:
    """Invite, resend, revoke, remove, make référent: the organisation's référents and administrators."""
    return is_people_administrator(user) or is_referent(user, organisation)


def people_abilities(user, organisation: Organisation) -> dict[str, bool]:
    """What the Équipe page shows and its services accept, for ``user`` on ``organisation``."""
    if not _is_active(user):
        return dict.fromkeys(PEOPLE_ABILITY_KEYS, False)
    administrator = user.is_superuser
    membership = None if administrator else people_membership(user, organisation)
    manages = administrator or (membership is not None and membership[1])
    return {
        "view": administrator or membership is not None,
        "invite": manages,
        "manage_invitations": manages,
        "remove_members": manages,
        "set_referents": manages,
        "administer": administrator,
    }


def may_invite_first_referent(user, organisation: Organisation) -> bool:
    """Whether ``user`` may invite the first référent of an organisation nobody looks after yet.

    An organisation without any member (an intercommunality just added from the territories, say) gets
    its first référent from the portal's administrators, from the staff of a CAF of its département (a
    CAF officer starting a CTG for an EPCI of their area), or, for a commune, from its
    intercommunality's staff. Once it has a member, its référents take over.
    """
    if is_people_administrator(user):
        return True
    if not _is_active(user) or organisation.memberships.exists():
        return False
    staff = Membership.objects.filter(user=user, role=MembershipRole.STAFF)
    if (
        organisation.department_code
        and staff.filter(
            organisation__kind=OrganisationKind.CAF, organisation__department_code=organisation.department_code
        ).exists()
    ):
        return True
    return organisation.epci_id is not None and staff.filter(organisation_id=organisation.epci_id).exists()


def may_invite(user, organisation: Organisation, *, representative=None, is_referent: bool = False) -> bool:
    """Whether ``user`` may send this invitation.

    A representative of the organisation may be invited by any active user the caller allows (the party
    editor checks first that the user edits a convention this person signs); without a manager's
    rights the invitation then only links the account to the representative. The first référent of an
    organisation without members follows ``may_invite_first_referent``.
    """
    if may_manage_people(user, organisation):
        return True
    if is_referent:
        return may_invite_first_referent(user, organisation)
    return _is_active(user) and representative is not None and representative.organisation_id == organisation.pk


def may_handle_invitation(user, invitation: Invitation) -> bool:
    """Resend or revoke: the organisation's référents and administrators, and the invitation's sender."""
    if not _is_active(user):
        return False
    return invitation.invited_by_id == user.pk or may_manage_people(user, invitation.organisation)


def invitation_grants_membership(invitation: Invitation) -> bool:
    """An invitation from the Équipe page makes a member; one for a representative, only when its sender
    manages the organisation's people (otherwise it links the account to the representative alone)."""
    if invitation.representative_id is None:
        return True  # sent from the Équipe page, or as an organisation's first référent
    return invitation.invited_by is not None and may_manage_people(invitation.invited_by, invitation.organisation)


# --- Organisations and territories ------------------------------------------------------------------
# The people who set up CTGs — the staff of a CAF or of an intercommunality, and the portal's
# administrators (active superusers) — import the official territories (an EPCI and its communes, from
# Etalab's files) and record the partners still missing (a CAF, a Département, an association…).
# An organisation's identity (legal name, short name, address…) is changed by its own staff, by its
# intercommunality's staff for a member commune, by the administrators, and, while it has no member yet
# to look after it, by any CAF or intercommunality staff. An organisation's legal identity is public (the
# SIREN registry's): every active user may read it.

ORGANISATION_REFUSALS = {
    "import": gettext_lazy(
        "Only the staff of a CAF or of an intercommunality, and the portal's administrators, can add territories."
    ),
    "create": gettext_lazy(
        "Only the staff of a CAF or of an intercommunality, and the portal's administrators, can add organisations."
    ),
    "edit": gettext_lazy(
        "Only the organisation's staff (for a commune, also its intercommunality's staff) and the portal's "
        "administrators can change its identity."
    ),
}
SETTING_UP_KINDS = (OrganisationKind.CAF, OrganisationKind.EPCI)


def _is_active_user(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def memberships_of(user) -> list[Membership]:
    """The user's memberships with their organisations, by organisation name: read once per user object
    (that is, per request) and shared by this policy, the convention policy and the navigation bar."""
    if not _is_active_user(user):
        return []
    if not hasattr(user, "_partners_memberships"):
        user._partners_memberships = list(
            Membership.objects.filter(user=user).select_related("organisation").order_by("organisation__name", "pk")
        )
    return user._partners_memberships


def staff_organisation_kinds(user) -> dict[int, str]:
    """The organisations where ``user`` has a staff membership, with their kind (``memberships_of``)."""
    return {
        membership.organisation_id: membership.organisation.kind
        for membership in memberships_of(user)
        if membership.role == MembershipRole.STAFF
    }


def is_caf_or_epci_staff(user) -> bool:
    return any(kind in SETTING_UP_KINDS for kind in staff_organisation_kinds(user).values())


def may_view_organisations(user) -> bool:
    return _is_active_user(user)


def may_import_territories(user) -> bool:
    """Import or refresh an EPCI and its communes from the official files."""
    return _is_active_user(user) and (user.is_superuser or is_caf_or_epci_staff(user))


def may_create_organisation(user) -> bool:
    """Record a missing partner (a CAF, a Département, a State service, an association…)."""
    return may_import_territories(user)


def may_edit_organisation(user, organisation: Organisation) -> bool:
    """Change the organisation's identity; at most one query beyond ``staff_organisation_kinds``."""
    if not _is_active_user(user):
        return False
    if user.is_superuser:
        return True
    staff = staff_organisation_kinds(user)
    if organisation.pk in staff:
        return True
    if organisation.kind == OrganisationKind.COMMUNE and staff.get(organisation.epci_id) == OrganisationKind.EPCI:
        return True
    return is_caf_or_epci_staff(user) and not organisation.memberships.exists()


def organisation_abilities(user, organisation: Organisation) -> dict[str, bool]:
    """What the organisation's page shows and the services accept: ``edit`` its identity, ``refresh`` an
    EPCI (and its communes) from the official files."""
    return {
        "view": may_view_organisations(user),
        "edit": may_edit_organisation(user, organisation),
        "refresh": organisation.kind == OrganisationKind.EPCI and may_import_territories(user),
    }
