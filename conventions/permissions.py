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

from conventions.choices import EDITABLE_STATUSES, REVIEW_DISCUSSION_STATUSES, SIGNED_STATUSES, ConventionStatus
from partners.choices import MembershipRole, OrganisationKind


def visible_conventions_filter(user) -> Q:
    """Subqueries rather than joins: no duplicate rows, so no ``distinct()`` on large lists."""
    from conventions.models import GovernanceMember, Party
    from partners.models import Membership

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


ABILITY_KEYS = (
    "view",
    "edit",
    "follow_up",
    "review",
    "download_documents",
    "administer",
    # The lifecycle: each key is one button, shown when the user may press it now.
    "submit",
    "withdraw",
    "request_changes",
    "approve",
    "resume_drafting",
    "open_signature",
    "comment",
    "reply",
    "resolve_comments",
    "record_paper_signature",
    "sign",
    "terminate",
    "open_amendment",
)


def convention_abilities(user, convention) -> dict[str, bool]:
    """The answer views and templates share: they never disagree on what a button does.

    ``rules.has_perm`` is used rather than ``user.has_perm``, which grants superusers everything:
    an administrator sees every convention, but reviewing or signing stays the parties' act.

    The lifecycle keys depend on the role and on the status the calendar gives today; the services
    check them again under a row lock, with the reasons a refusal gives. A user who is both the
    intercommunality's staff and a CAF officer never reviews: nobody approves their own text.
    """
    can_view = rules.has_perm("conventions.view_convention", user, convention)
    if not can_view:
        return dict.fromkeys(ABILITY_KEYS, False)
    staff = bool(is_epci_staff(user, convention))
    officer = bool(is_caf_officer(user, convention))
    reviewer = officer and not staff
    status = convention.current_status
    S = ConventionStatus
    return {
        "view": True,
        "edit": staff and status in EDITABLE_STATUSES,
        "follow_up": staff,
        "review": officer,
        "download_documents": can_view,  # the same rule as viewing; no second query
        "administer": is_administrator(user),
        "submit": staff and status == S.DRAFT,
        "withdraw": staff and status == S.IN_REVIEW,
        "request_changes": reviewer and status == S.IN_REVIEW,
        "approve": reviewer and status == S.IN_REVIEW,
        "resume_drafting": staff and status == S.CHANGES_REQUESTED,
        "open_signature": (staff or reviewer) and status == S.APPROVED,
        "comment": reviewer and status == S.IN_REVIEW,
        "reply": (staff or officer) and status in REVIEW_DISCUSSION_STATUSES,
        "resolve_comments": (staff or officer) and status in REVIEW_DISCUSSION_STATUSES,
        "record_paper_signature": staff and status == S.IN_SIGNATURE,
        # Whether one of the user's parties may sign now: asked only while the convention is being signed.
        "sign": status == S.IN_SIGNATURE and _has_party_to_sign(user, convention),
        "terminate": (staff or reviewer) and status in SIGNED_STATUSES,
        "open_amendment": staff and status in SIGNED_STATUSES,
    }


def _has_party_to_sign(user, convention) -> bool:
    from workflow.services.signing import parties_user_may_sign

    return bool(parties_user_may_sign(user=user, convention=convention))


def may_open_signature_scan(*, user, abilities: dict[str, bool], signature) -> bool:
    """Who may open a scanned signature page: the intercommunality's staff, the CAF's officers, the
    portal's administrators, and the person who signed it (the download view and the signing panel
    both ask this)."""
    if abilities["follow_up"] or abilities["review"] or abilities["administer"]:
        return True
    return signature.representative is not None and signature.representative.user_id == user.pk
