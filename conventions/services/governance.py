"""The convention's governance: its steering committee (copil), its technical committees (cotech), and
who sits on them.

The composition of the committees is written in the convention (the article on steering and
governance, and the frozen versions list every member): it changes only while the convention is
editable, like the rest of its text, under the convention's row lock
(``conventions.services.content``). Later changes go through an avenant.

- A convention has one steering committee and any number of technical committees, each named once.
- A member is a representative: one of a party organisation's people, or a person of any organisation
  typed in (created, or found if the portal knows them already). Each sits once on a committee, as
  chair (one at most), co-chair or member.
- A committee that has met is not deleted, and a member recorded as present at a meeting is not
  removed: the meetings' records keep who attended.

Every write records the acting user in the history. Refusals: ``NotAllowed`` (rights, frozen
content), ``GovernanceRefused`` (a rule above) and ``ValidationError`` keyed by the form's field names.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from conventions.choices import GovernanceBodyKind, GovernanceMemberRole
from conventions.models import Convention, GovernanceBody, GovernanceMember
from conventions.services.content import lock_editable_convention
from ctg_portal.errors import NotAllowed, PortalError
from partners.models import Organisation, Representative
from partners.services.representatives import find_or_create_representative, normalised_fields

NAME_LENGTH = 150
MISSION_LENGTH = 5000
NEW_REPRESENTATIVE_PREFIX = "new_"


class GovernanceRefused(PortalError):
    """The committees cannot be changed as asked; the message says why."""


def governance_edit_refusal(convention: Convention, abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not change the committees, or ``None``."""
    if abilities["edit"]:
        return None
    if abilities["follow_up"]:
        return _(
            "The committees can no longer be changed: the convention is “%(status)s”. Their composition is part of "
            "the convention's text: it is changed while the convention is a draft or sent back for changes, or "
            "by an avenant."
        ) % {"status": convention.get_current_status_display()}
    return _("Only the intercommunality's staff can change the committees.")


def _refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    return NotAllowed(governance_edit_refusal(convention, abilities))


def _lock(convention: Convention, by) -> Convention:
    return lock_editable_convention(convention, by=by, refusal=_refusal)


def _locked_body(convention: Convention, body: GovernanceBody) -> GovernanceBody:
    try:
        return GovernanceBody.objects.select_for_update().get(pk=body.pk, convention=convention)
    except GovernanceBody.DoesNotExist:
        raise GovernanceRefused(_("This committee no longer exists: reload the page.")) from None


def _locked_member(convention: Convention, member: GovernanceMember) -> GovernanceMember:
    try:
        return (
            GovernanceMember.objects.select_for_update(of=("self",))
            .select_related("body", "representative")
            .get(pk=member.pk, body__convention=convention)
        )
    except GovernanceMember.DoesNotExist:
        raise GovernanceRefused(_("This member is no longer on the committee: reload the page.")) from None


def _clean_body_fields(convention: Convention, *, name: str, mission: str, exclude_pk=None) -> dict:
    name = " ".join((name or "").split())
    mission = (mission or "").replace("\r\n", "\n").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the committee's name.")
    elif len(name) > NAME_LENGTH:
        errors["name"] = _("The name is limited to %(limit)s characters.") % {"limit": NAME_LENGTH}
    elif convention.governance_bodies.filter(name__iexact=name).exclude(pk=exclude_pk).exists():
        errors["name"] = _("This convention already has a committee with this name.")
    if len(mission) > MISSION_LENGTH:
        errors["mission"] = _("The mission is limited to %(limit)s characters.") % {"limit": MISSION_LENGTH}
    if errors:
        raise ValidationError(errors)
    return {"name": name, "mission": mission}


def _check_role(body: GovernanceBody, role: str, *, exclude_pk=None) -> None:
    if role not in GovernanceMemberRole.values:
        raise ValidationError({"role": _("Choose chair, co-chair or member.")})
    if (
        role == GovernanceMemberRole.CHAIR
        and body.members.filter(role=GovernanceMemberRole.CHAIR).exclude(pk=exclude_pk).exists()
    ):
        raise ValidationError(
            {
                "role": _(
                    "%(body)s already has a chair: make that person a co-chair or a member first, or choose co-chair."
                )
                % {"body": body.name}
            }
        )


# --- Committees -------------------------------------------------------------------------------------


def body_create(*, convention: Convention, by, kind: str, name: str, mission: str = "") -> GovernanceBody:
    """Sets up a committee: the steering committee (one per convention) or a technical committee."""
    if kind not in GovernanceBodyKind.values:
        raise ValidationError({"kind": _("Choose a steering or a technical committee.")})
    with transaction.atomic():
        convention = _lock(convention, by)
        if (
            kind == GovernanceBodyKind.STEERING_COMMITTEE
            and convention.governance_bodies.filter(kind=GovernanceBodyKind.STEERING_COMMITTEE).exists()
        ):
            raise ValidationError({"kind": _("A convention has a single steering committee.")})
        body = GovernanceBody(
            convention=convention, kind=kind, **_clean_body_fields(convention, name=name, mission=mission)
        )
        body._history_user = by
        body.save()
    return body


def body_update(*, body: GovernanceBody, by, name: str, mission: str = "") -> GovernanceBody:
    """Renames the committee or rewrites its mission."""
    with transaction.atomic():
        convention = _lock(body.convention, by)
        body = _locked_body(convention, body)
        fields = _clean_body_fields(convention, name=name, mission=mission, exclude_pk=body.pk)
        if any(getattr(body, name_) != value for name_, value in fields.items()):
            for name_, value in fields.items():
                setattr(body, name_, value)
            body._history_user = by
            body.save(update_fields=list(fields))
    return body


def body_delete(*, body: GovernanceBody, by) -> None:
    """Deletes a committee that never met, with its members."""
    with transaction.atomic():
        convention = _lock(body.convention, by)
        body = _locked_body(convention, body)
        if body.meetings.exists():
            raise GovernanceRefused(
                _("%(body)s has met: its meetings keep it. Change its name or its members instead.")
                % {"body": body.name}
            )
        for member in body.members.all():
            member._history_user = by
            member.delete()
        body._history_user = by
        body.delete()


# --- Members ----------------------------------------------------------------------------------------


def _member_representative(
    *,
    convention: Convention,
    by,
    representative: Representative | None,
    organisation: Organisation | None,
    new_representative: dict | None,
) -> Representative:
    if new_representative:
        if organisation is None:
            raise ValidationError({"organisation": _("Choose the organisation this person belongs to.")})
        try:
            found, _created = find_or_create_representative(
                organisation=organisation, by=by, **normalised_fields(new_representative)
            )
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"{NEW_REPRESENTATIVE_PREFIX}{name}": messages for name, messages in error.message_dict.items()}
            ) from None
        return found
    if representative is None or not representative.is_active:
        raise ValidationError({"representative": _("Choose a person, or type in a new one.")})
    party_organisations = convention.parties.values("organisation_id")
    named = GovernanceMember.objects.filter(body__convention=convention, representative=representative)
    if not (
        Organisation.objects.filter(pk=representative.organisation_id, pk__in=party_organisations).exists()
        or named.exists()
    ):
        raise ValidationError(
            {"representative": _("Choose one of the parties' people, or type in the person with their organisation.")}
        )
    return representative


def member_add(
    *,
    body: GovernanceBody,
    by,
    representative: Representative | None = None,
    organisation: Organisation | None = None,
    new_representative: dict | None = None,
    role: str = GovernanceMemberRole.MEMBER,
) -> GovernanceMember:
    """Seats a person on the committee: ``representative`` (anybody's, usually a party's), or a person
    of ``organisation`` typed in (``new_representative``: ``civility``, ``full_name``, ``title``,
    ``delegation``, ``email``)."""
    with transaction.atomic():
        convention = _lock(body.convention, by)
        body = _locked_body(convention, body)
        person = _member_representative(
            convention=convention,
            by=by,
            representative=representative,
            organisation=organisation,
            new_representative=new_representative,
        )
        _check_role(body, role)
        if body.members.filter(representative=person).exists():
            raise ValidationError(
                {
                    "representative": _("%(name)s already sits on %(body)s.")
                    % {"name": person.full_name, "body": body.name}
                }
            )
        member = GovernanceMember(body=body, representative=person, role=role)
        member._history_user = by
        member.save()
    return member


def member_update(*, member: GovernanceMember, by, role: str) -> GovernanceMember:
    """Changes the member's role on the committee (chair, co-chair, member)."""
    with transaction.atomic():
        convention = _lock(member.body.convention, by)
        member = _locked_member(convention, member)
        _check_role(member.body, role, exclude_pk=member.pk)
        if member.role != role:
            member.role = role
            member._history_user = by
            member.save(update_fields=["role"])
    return member


def member_remove(*, member: GovernanceMember, by) -> None:
    """Takes the person off the committee, unless a meeting's record says they attended."""
    with transaction.atomic():
        convention = _lock(member.body.convention, by)
        member = _locked_member(convention, member)
        if member.meetings_attended.exists():
            raise GovernanceRefused(
                _(
                    "%(name)s is recorded as present at a meeting of %(body)s: the meeting's record keeps them on "
                    "the committee."
                )
                % {"name": member.representative.full_name, "body": member.body.name}
            )
        member._history_user = by
        member.delete()
