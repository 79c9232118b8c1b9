"""Who may see or do what with a convention: the portal's whole policy, one function per rule.

Seeing a convention is ``Convention.objects.visible_to(user)`` (the queryset every page reads
through, so a convention one may not see answers 404). Doing is ``convention_abilities`` — what
``convention.get_abilities(user)`` returns, the one answer views, templates and services share — and,
when the answer is no, ``refusal`` says why in the words the user reads.

Roles come from data, not from groups:
- *EPCI staff*: a ``staff`` membership in the convention's intercommunality; they edit it.
- *CAF officer*: a ``staff`` membership in a CAF that is party to the convention; they review and
  sign it. A CAF officer who is also the intercommunality's staff never reviews (nobody approves
  their own text): the *reviewer* role is an officer who is not staff.
- *Copil member*: a representative, linked to the user, sitting on the convention's steering or
  technical committee; they follow it and download its documents.
- Members and representatives of any other party organisation read it.
Nobody else sees it; superusers (the portal's administrators) see everything but review and sign nothing.

The lifecycle buttons come from the transition table (``conventions.transitions``): a button is
allowed when the convention's status is one of the transition's sources and the user holds one of
its roles. This module reads the convention through its relations only (it imports no model), so
the models can ask it for abilities.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from conventions.choices import (
    DRAFT_PDF_STATUSES,
    EDITABLE_STATUSES,
    REVIEW_DISCUSSION_STATUSES,
    ConventionStatus,
    PartyRole,
)
from conventions.transitions import TRANSITIONS, Role, Transition, status_refusal
from partners.choices import MembershipRole, OrganisationKind
from partners.permissions import staff_organisation_kinds

ABILITY_KEYS = (
    "view",
    "edit",
    "follow_up",
    "review",
    "download_documents",
    "download_draft",
    "manage_documents",
    "administer",
    # The lifecycle: each key is one button, shown when the user may press it now.
    *(transition.ability for transition in TRANSITIONS.values() if transition.ability),
    "comment",
    "reply",
    "resolve_comments",
    "record_paper_signature",
    "sign",
)


# --- Roles ------------------------------------------------------------------------------------------


def _memberships(user) -> dict[int, str]:
    """The user's organisations and roles, read once per user object (that is, per request)."""
    if not hasattr(user, "_ctg_memberships"):
        user._ctg_memberships = dict(user.memberships.values_list("organisation_id", "role"))
    return user._ctg_memberships


def is_administrator(user) -> bool:
    return user.is_active and user.is_superuser


def is_epci_staff(user, convention) -> bool:
    return user.is_authenticated and _memberships(user).get(convention.epci_id) == MembershipRole.STAFF


def is_caf_officer(user, convention) -> bool:
    if not user.is_authenticated:
        return False
    staff_organisations = [org for org, role in _memberships(user).items() if role == MembershipRole.STAFF]
    return convention.parties.filter(
        organisation_id__in=staff_organisations, organisation__kind=OrganisationKind.CAF
    ).exists()


def can_see(user, convention) -> bool:
    if not user.is_authenticated or not user.is_active:
        return False
    # The ids the request already read to find the convention (``visible_to``): no second query.
    visible = type(convention).objects.visible_ids(user)
    return visible is None or convention.pk in visible


# --- Signing turns ----------------------------------------------------------------------------------


def parties_whose_turn(*, parties: list[tuple[int, int]], signed_party_ids: set[int], status: str) -> set[int]:
    """The signatory parties (``(pk, signing_order)``) whose turn it is: the lowest signing order not
    yet fully signed, while the convention is being signed. Equal orders sign in parallel."""
    if status != ConventionStatus.IN_SIGNATURE:
        return set()
    pending = [(pk, order) for pk, order in parties if pk not in signed_party_ids]
    if not pending:
        return set()
    current = min(order for _pk, order in pending)
    return {pk for pk, order in pending if order == current}


def _has_party_to_sign(user, convention) -> bool:
    """Whether one of the parties ``user`` represents may sign now (two queries, asked only while the
    convention is being signed)."""
    version = convention.approved_version
    if version is None:
        return False
    parties = list(
        convention.parties.filter(role=PartyRole.SIGNATORY).values_list(
            "pk", "signing_order", "representative__user_id"
        )
    )
    signed = set(version.signatures.filter(voided_at__isnull=True).values_list("party_id", flat=True))
    turn = parties_whose_turn(
        parties=[(pk, order) for pk, order, _user in parties], signed_party_ids=signed, status=convention.status
    )
    return any(pk in turn and user_id == user.pk for pk, _order, user_id in parties)


# --- Abilities --------------------------------------------------------------------------------------


def _may_press(transition: Transition, status: str, roles: set[str]) -> bool:
    return status in transition.sources and bool(transition.roles & roles)


def convention_abilities(user, convention) -> dict[str, bool]:
    """The answer views and templates share: they never disagree on what a button does.

    An administrator sees every convention, but reviewing or signing stays the parties' act.
    The lifecycle keys depend on the role and on the status the calendar gives today; the services
    check them again under a row lock, with the reasons ``refusal`` gives.
    """
    if not can_see(user, convention):
        return dict.fromkeys(ABILITY_KEYS, False)
    staff = is_epci_staff(user, convention)
    officer = is_caf_officer(user, convention)
    roles = {role for role, held in ((Role.STAFF, staff), (Role.REVIEWER, officer and not staff)) if held}
    status = convention.current_status
    abilities = {
        "view": True,
        "edit": staff and status in EDITABLE_STATUSES,
        "follow_up": staff,
        "review": officer,
        "download_documents": True,  # whoever sees the convention
        "download_draft": status in DRAFT_PDF_STATUSES,  # the draft PDF of the text, until it is signed
        "manage_documents": staff,  # generate again, retry
        "administer": is_administrator(user),
        "comment": Role.REVIEWER in roles and status == ConventionStatus.IN_REVIEW,
        "reply": (staff or officer) and status in REVIEW_DISCUSSION_STATUSES,
        "resolve_comments": (staff or officer) and status in REVIEW_DISCUSSION_STATUSES,
        "record_paper_signature": staff and status == ConventionStatus.IN_SIGNATURE,
        "sign": status == ConventionStatus.IN_SIGNATURE and _has_party_to_sign(user, convention),
    }
    for transition in TRANSITIONS.values():
        if transition.ability:
            abilities[transition.ability] = _may_press(transition, status, roles)
    return abilities


def represents(user, party) -> bool:
    """Whether ``user`` is the signing representative of ``party`` (the only one who signs for it)."""
    return party.representative is not None and party.representative.user_id == user.pk


def may_sign_for(*, user, abilities: dict[str, bool], state) -> bool:
    """Whether ``user`` may sign now for the party of ``state`` (a ``selectors.PartySigningState``)."""
    return abilities["sign"] and state.is_turn and represents(user, state.party)


def may_preview_signature(*, user, convention, state) -> bool:
    """Whether ``user`` may read the text they will sign for this party before their turn comes."""
    return (
        not state.is_signed
        and not state.is_turn
        and convention.status == ConventionStatus.IN_SIGNATURE
        and represents(user, state.party)
    )


def may_open_signature_scan(*, user, abilities: dict[str, bool], signature) -> bool:
    """Who may open a scanned signature page: the intercommunality's staff, the CAF's officers, the
    portal's administrators, and the person who signed it (the download view and the signing panel
    both ask this)."""
    if abilities["follow_up"] or abilities["review"] or abilities["administer"]:
        return True
    return signature.representative is not None and signature.representative.user_id == user.pk


# --- Refusals: why not, in the user's words ---------------------------------------------------------


def transition_refusal(user, convention, transition: Transition) -> str:
    """Why ``user`` may not press ``transition``'s button on ``convention`` now."""
    if convention.current_status not in transition.sources:
        return status_refusal(convention.current_status, transition)
    if Role.REVIEWER in transition.roles and Role.STAFF not in transition.roles:
        if is_epci_staff(user, convention):
            return _("The intercommunality's staff cannot review their own convention: its CAF does.")
        return _("Only an officer of the CAF that is party to this convention can review it.")
    if Role.REVIEWER in transition.roles:
        return _("Only the intercommunality's staff or the CAF's officers can do this.")
    return _("Only the intercommunality's staff can do this.")


def comment_refusal(user, convention) -> str:
    """Why ``user`` may not write a review comment on ``convention`` now."""
    if convention.current_status != ConventionStatus.IN_REVIEW:
        return _("This convention is “%(status)s”: comments are written while it is in review.") % {
            "status": convention.get_current_status_display()
        }
    if is_epci_staff(user, convention):
        return _("The intercommunality's staff answer the review comments; the CAF's officers write them.")
    if not is_caf_officer(user, convention):
        return _("Only an officer of the CAF that is party to this convention can review it.")
    return _("You cannot comment on this convention.")


def sits_on_committee(user, body) -> bool:
    """Whether ``user`` is the account of a representative sitting on the committee ``body``."""
    if not user.is_authenticated:
        return False
    members = getattr(body, "_prefetched_objects_cache", {}).get("members")
    if members is not None:  # the meeting's page has them already, with their representatives
        return any(member.representative.user_id == user.pk for member in members)
    return body.members.filter(representative__user_id=user.pk).exists()


def meeting_abilities(user, meeting, *, convention_abilities: dict[str, bool], today) -> dict[str, bool]:
    """What ``user`` may do with one committee meeting (``Meeting.get_abilities``).

    The intercommunality's staff schedule and record it. The committee's report is approved, once the
    meeting is held, by those who answer for the plan before the committee: the intercommunality's
    staff, the CAF's officers, and the committee's own members (a representative linked to the account).
    """
    if not convention_abilities["view"]:
        return dict.fromkeys(("view", "edit", "record", "approve_report"), False)
    held = meeting.held_on <= today
    may_approve = (
        convention_abilities["follow_up"] or convention_abilities["review"] or sits_on_committee(user, meeting.body)
    )
    return {
        "view": True,
        "edit": convention_abilities["follow_up"],
        "record": convention_abilities["follow_up"] and held,
        "approve_report": held and meeting.report_approved_on is None and may_approve,
    }


# Why an ability is refused when the answer does not depend on anything but the role. The keys are
# ability keys; a service names the part of the convention it guards when the wording depends on it.
ROLE_REFUSALS = {
    "follow_up": gettext_lazy("Only the intercommunality's staff can follow up this action plan."),
    "meetings": gettext_lazy("Only the intercommunality's staff schedule and record the committees' meetings."),
    "approve_report": gettext_lazy(
        "Only the intercommunality's staff, the CAF's officers and the committee's members approve its report."
    ),
    "download_documents": gettext_lazy("You cannot see this convention's documents."),
    "manage_documents": gettext_lazy("Only the intercommunality's staff can generate a document again."),
    "retry_documents": gettext_lazy("Only the intercommunality's staff can retry a failed document."),
    "discussion": gettext_lazy("Only the intercommunality's staff and the CAF's officers take part in the review."),
    "record_paper_signature": gettext_lazy("Only the intercommunality's staff can record a paper signature."),
}


def draft_pdf_refusal(convention) -> str:
    """Why the draft PDF of ``convention``'s text cannot be asked for (to whoever may see it)."""
    return _(
        "This convention is “%(status)s”: its draft PDF is only available until it is signed. "
        "Download the signed convention from its versions."
    ) % {"status": convention.get_current_status_display()}


def diagnostic_edit_refusal(convention, abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not change the convention's diagnostic, or ``None``."""
    if abilities["edit"]:
        return None
    if abilities["follow_up"]:
        return _(
            "The diagnostic can no longer be changed: the convention is %(status)s. It can only be changed "
            "while it is a draft or sent back for changes."
        ) % {"status": convention.get_current_status_display().lower()}
    return _("Only the intercommunality's staff can change the diagnostic.")


def plan_edit_refusal(convention, abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not change the action plan's contractual content, or ``None``."""
    if abilities["edit"]:
        return None
    if abilities["follow_up"]:
        return _(
            "This convention is “%(status)s”: its orientations, fiches actions and planned funding can no longer "
            "be modified. Only the follow-up can be updated (status, progress, indicators' current values, "
            "funding status)."
        ) % {"status": convention.get_current_status_display()}
    return _("You can read this action plan but not modify it.")


# --- The convention's own text and parameters, and starting a convention (the editor) ---------------


def convention_edit_refusal(convention, abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not change the convention's parameters or articles, or ``None``."""
    if abilities["edit"]:
        return None
    if abilities["follow_up"]:
        return _(
            "This convention is “%(status)s”: its text and parameters can only be changed while it is a draft "
            "or sent back for changes."
        ) % {"status": convention.get_current_status_display()}
    return _("Only the intercommunality's staff can change the convention's text and parameters.")


@dataclass(frozen=True)
class StartScope:
    """Where a user may start a convention: anywhere (administrators), for the intercommunalities they
    are staff of, and for every intercommunality of the départements of the CAFs they are staff of."""

    anywhere: bool = False
    epci_ids: frozenset = frozenset()
    department_codes: frozenset = frozenset()

    @property
    def is_empty(self) -> bool:
        return not (self.anywhere or self.epci_ids or self.department_codes)


def convention_start_scope(user) -> StartScope:
    """Read from the staff memberships the partners' policy keeps on the user object (one query per
    request, shared with the navigation), plus one for the départements when the user is a CAF's staff."""
    if not user.is_authenticated or not user.is_active:
        return StartScope()
    if is_administrator(user):
        return StartScope(anywhere=True)
    if not hasattr(user, "_ctg_start_scope"):
        kinds = staff_organisation_kinds(user)
        epci_ids = frozenset(pk for pk, kind in kinds.items() if kind == OrganisationKind.EPCI)
        caf_ids = [pk for pk, kind in kinds.items() if kind == OrganisationKind.CAF]
        department_codes = frozenset(
            user.memberships.filter(organisation_id__in=caf_ids)
            .exclude(organisation__department_code="")
            .values_list("organisation__department_code", flat=True)
            if caf_ids
            else ()
        )
        user._ctg_start_scope = StartScope(epci_ids=epci_ids, department_codes=department_codes)
    return user._ctg_start_scope


def may_start_convention(user, epci) -> bool:
    """Whether ``user`` may start a convention for the intercommunality ``epci``: a portal administrator
    anywhere, its own staff, and the staff of a CAF of its département."""
    if epci is None or epci.kind != OrganisationKind.EPCI:
        return False
    scope = convention_start_scope(user)
    return (
        scope.anywhere
        or epci.pk in scope.epci_ids
        or bool(epci.department_code and epci.department_code in scope.department_codes)
    )


def may_start_conventions(user) -> bool:
    """Whether ``user`` may start a convention for at least one intercommunality (the « Démarrer une
    CTG » button)."""
    return not convention_start_scope(user).is_empty


def start_refusal(user, epci=None) -> str:
    """Why ``user`` may not start a convention (for ``epci``)."""
    if epci is not None and epci.kind != OrganisationKind.EPCI:
        return _("A convention is signed with an intercommunality (EPCI): choose one.")
    if convention_start_scope(user).is_empty:
        return _(
            "Only the staff of an intercommunality, the staff of a CAF (for the intercommunalities of its "
            "département) and the portal's administrators can start a convention."
        )
    return _(
        "You can start a convention for your own intercommunality, or, as the staff of a CAF, for the "
        "intercommunalities of its département."
    )
