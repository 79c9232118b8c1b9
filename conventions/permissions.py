"""Who may see or do what with a convention: the portal's whole policy, one predicate per rule.

The same rule exists in two forms that must agree (a test checks every role against both):
``visible_conventions_filter`` scopes querysets, so a convention one may not see answers 404;
the ``rules`` predicates answer for one object (``user.has_perm("conventions.view_convention", c)``).

Roles come from data, not from groups:
- *EPCI staff*: a ``staff`` membership in the convention's intercommunality; they edit it.
- *CAF officer*: a ``staff`` membership in a CAF that is party to the convention; they review and
  sign it.
- *Copil member*: a representative, linked to the user, sitting on the convention's steering or
  technical committee; they follow it and download its documents.
- Members and representatives of any other party organisation read it.
Nobody else sees it; superusers (the portal's administrators) see everything.
"""

import rules
from django.db.models import Q

from partners.choices import MembershipRole, OrganisationKind

from .choices import EDITABLE_STATUSES


def visible_conventions_filter(user) -> Q:
    """Subqueries rather than joins: no duplicate rows, so no ``distinct()`` on large lists."""
    from partners.models import Membership

    from .models import GovernanceMember, Party

    user_organisations = Membership.objects.filter(user=user).values("organisation_id")
    party_conventions = Party.objects.filter(
        Q(organisation_id__in=user_organisations) | Q(representative__user=user)
    ).values("convention_id")
    committee_conventions = GovernanceMember.objects.filter(representative__user=user).values("body__convention_id")
    return Q(epci_id__in=user_organisations) | Q(pk__in=party_conventions) | Q(pk__in=committee_conventions)


def _memberships(user) -> dict[int, str]:
    """The user's organisations and roles, read once per user object (that is, per request)."""
    if not hasattr(user, "_ctg_memberships"):
        user._ctg_memberships = dict(user.memberships.values_list("organisation_id", "role"))
    return user._ctg_memberships


@rules.predicate
def is_administrator(user, convention=None) -> bool:
    return user.is_active and user.is_superuser


@rules.predicate
def is_epci_staff(user, convention) -> bool:
    return user.is_authenticated and _memberships(user).get(convention.epci_id) == MembershipRole.STAFF


@rules.predicate
def is_caf_officer(user, convention) -> bool:
    if not user.is_authenticated:
        return False
    staff_organisations = [org for org, role in _memberships(user).items() if role == MembershipRole.STAFF]
    return convention.parties.filter(
        organisation_id__in=staff_organisations, organisation__kind=OrganisationKind.CAF
    ).exists()


@rules.predicate
def is_copil_member(user, convention) -> bool:
    return user.is_authenticated and convention.governance_bodies.filter(members__representative__user=user).exists()


@rules.predicate
def can_see(user, convention) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    return is_administrator(user) or (type(convention).objects.filter(pk=convention.pk).visible_to(user).exists())


@rules.predicate
def is_editable(user, convention) -> bool:
    return convention.status in EDITABLE_STATUSES


rules.add_perm("conventions.view_convention", can_see)
rules.add_perm("conventions.edit_convention", is_epci_staff & is_editable)
rules.add_perm("conventions.follow_up_convention", is_epci_staff)
rules.add_perm("conventions.review_convention", is_caf_officer)
rules.add_perm("conventions.download_documents", can_see)


def convention_abilities(user, convention) -> dict[str, bool]:
    """The answer views and templates share: they never disagree on what a button does.

    ``rules.has_perm`` is used rather than ``user.has_perm``, which grants superusers everything:
    an administrator sees every convention, but reviewing or signing stays the parties' act.
    """
    can_view = rules.has_perm("conventions.view_convention", user, convention)
    if not can_view:
        return dict.fromkeys(("view", "edit", "follow_up", "review", "download_documents", "administer"), False)
    return {
        "view": True,
        "edit": rules.has_perm("conventions.edit_convention", user, convention),
        "follow_up": rules.has_perm("conventions.follow_up_convention", user, convention),
        "review": rules.has_perm("conventions.review_convention", user, convention),
        "download_documents": can_view,  # the same rule as viewing; no second query
        "administer": is_administrator(user),
    }
