"""The convention's parties: who signs it (signatories, in signing order) and who takes part without
signing (associates).

Rules, checked here under the convention's row lock (``conventions.services.content``), so two tabs
cannot break them between a check and a write:
- parties are contractual content: written only while ``abilities["edit"]`` (the intercommunality's
  staff, while the convention is a draft or sent back for changes);
- an organisation is either signatory or associate in one convention, never both; it is associated
  once, but may sign through several people (a commune through its mayor and a deputy), each once;
- a signatory signs in a round (``signing_order``, 1 or more: equal numbers sign in parallel); an
  associate has no round, no signature method and no deliberation;
- the deliberation authorising a local authority to sign (number and date, given together) may wait
  while the text is drafted: the page shows it as missing;
- the intercommunality and a CAF sign every CTG: their last signatory cannot be removed or associated;
- a party that signed an earlier version (before an avenant) cannot be removed;
- a signatory signing electronically whose representative has an e-mail but no account is invited
  (``partners.services.accounts.invite_person``, read-only member of the party's organisation) when it
  is added or on request (``party_invite_representative``); a paper signatory never is.

Every write records the acting user in the history. Refusals: ``NotAllowed`` (rights, frozen content),
``PartyRefused`` (a rule above, with the sentence to show) and ``ValidationError`` with a dict keyed by
the form's field names (``representative``, ``new_full_name``…, ``signing_order``, ``deliberation_number``…).
"""

import contextlib
import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, ProtectedError
from django.utils.translation import gettext as _

from conventions.choices import EDITABLE_STATUSES, PartyRole, SignatureMethod
from conventions.models import Convention, GovernanceMember, Party, Signature
from conventions.selectors_parties import invitation_expected, pending_invitation
from conventions.services.content import lock_convention_for_content, lock_editable_convention
from ctg_portal.errors import NotAllowed, PortalError
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Invitation, Organisation, Representative
from partners.services.accounts import AccountRefused, invite_person, resend_invitation, revoke_invitation
from partners.services.representatives import (
    CONTRACTUAL_FIELDS,
    find_or_create_representative,
    normalised_fields,
    update_representative,
)

SIGNING_ORDER_MAX = 99
DELIBERATION_NUMBER_LENGTH = 50
# Prefix of the form fields describing a person created on the spot (``new_full_name``…).
NEW_REPRESENTATIVE_PREFIX = "new_"


class PartyRefused(PortalError):
    """The parties cannot be changed as asked; the message says why."""


# --- Refusals in the user's words -------------------------------------------------------------------


def parties_edit_refusal(convention: Convention, abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not change the convention's parties, or ``None``."""
    if abilities["edit"]:
        return None
    if abilities["follow_up"]:
        return _(
            "The signatories and associates can no longer be changed: the convention is “%(status)s”. They are "
            "changed while it is a draft or sent back for changes."
        ) % {"status": convention.get_current_status_display()}
    return _("Only the intercommunality's staff can change the signatories and associates.")


def invitation_refusal(abilities: dict[str, bool]) -> str | None:
    """Why whoever has ``abilities`` may not invite a signatory, or ``None`` (any status: a signatory
    may need an account while the convention is being signed)."""
    if abilities["follow_up"]:
        return None
    return _("Only the intercommunality's staff can invite the signatories.")


def _edit_refusal(convention: Convention, abilities: dict[str, bool]) -> NotAllowed:
    return NotAllowed(parties_edit_refusal(convention, abilities))


def _lock(convention: Convention, by) -> Convention:
    return lock_editable_convention(convention, by=by, refusal=_edit_refusal)


# --- Checks -----------------------------------------------------------------------------------------


def _organisation_name(organisation: Organisation) -> str:
    return organisation.display_name


def _check_role_rule(convention: Convention, organisation: Organisation, role: str, *, exclude_pk=None) -> None:
    """One role per organisation in a convention; associated once."""
    others = Party.objects.filter(convention=convention, organisation=organisation).exclude(pk=exclude_pk)
    roles = set(others.values_list("role", flat=True))
    if roles - {role}:
        if role == PartyRole.SIGNATORY:
            message = _(
                "%(organisation)s is already associated with this convention: an organisation is either a "
                "signatory or an associate, not both. Make it a signatory from its line in the list."
            )
        else:
            message = _(
                "%(organisation)s already signs this convention: an organisation is either a signatory or an "
                "associate, not both."
            )
        raise PartyRefused(message % {"organisation": _organisation_name(organisation)})
    if role == PartyRole.ASSOCIATE and roles:
        raise PartyRefused(
            _("%(organisation)s is already associated with this convention.")
            % {"organisation": _organisation_name(organisation)}
        )


def _check_representative_free(
    convention: Convention, organisation: Organisation, representative: Representative | None, *, exclude_pk=None
) -> None:
    others = Party.objects.filter(convention=convention).exclude(pk=exclude_pk)
    if representative is not None and others.filter(representative=representative).exists():
        raise ValidationError(
            {
                "representative": _("%(name)s already signs this convention for %(organisation)s.")
                % {"name": representative.full_name, "organisation": _organisation_name(organisation)}
            }
        )
    if representative is None and others.filter(organisation=organisation, representative__isnull=True).exists():
        raise ValidationError(
            {
                "representative": _(
                    "%(organisation)s already has a line whose representative is to be designated: choose who "
                    "signs on that line first."
                )
                % {"organisation": _organisation_name(organisation)}
            }
        )


def _representative_for(
    *, organisation: Organisation, by, representative: Representative | None, new_representative: dict | None
) -> Representative | None:
    """The person chosen (one of the organisation's), the one typed (created, or found if known), or none."""
    if new_representative:
        try:
            found, _created = find_or_create_representative(organisation=organisation, by=by, **new_representative)
        except ValidationError as error:
            if not hasattr(error, "error_dict"):
                raise
            raise ValidationError(
                {f"{NEW_REPRESENTATIVE_PREFIX}{name}": messages for name, messages in error.message_dict.items()}
            ) from None
        return found
    if representative is None:
        return None
    if representative.organisation_id != organisation.pk or not representative.is_active:
        raise ValidationError(
            {
                "representative": _("Choose one of the people representing %(organisation)s.")
                % {"organisation": _organisation_name(organisation)}
            }
        )
    return representative


def _next_signing_order(convention: Convention) -> int:
    last = convention.parties.filter(role=PartyRole.SIGNATORY).aggregate(last=Max("signing_order"))["last"]
    return min((last or 0) + 1, SIGNING_ORDER_MAX)


def _signing_fields(
    convention: Convention,
    *,
    role: str,
    signing_order,
    signature_method: str,
    deliberation_number: str,
    deliberation_date,
) -> dict:
    """The fields that depend on the role, checked: a signatory's round, method and deliberation."""
    deliberation_number = (deliberation_number or "").strip()
    if role == PartyRole.ASSOCIATE:
        errors = {}
        if signing_order not in (None, ""):
            errors["signing_order"] = _("An associate does not sign: it has no signing order.")
        if deliberation_number or deliberation_date:
            errors["deliberation_number"] = _("An associate does not sign: no deliberation is needed.")
        if errors:
            raise ValidationError(errors)
        return {
            "signing_order": None,
            "signature_method": SignatureMethod.ELECTRONIC,
            "deliberation_number": "",
            "deliberation_date": None,
        }
    errors = {}
    if signing_order in (None, ""):
        signing_order = _next_signing_order(convention)
    elif not isinstance(signing_order, int) or not 1 <= signing_order <= SIGNING_ORDER_MAX:
        errors["signing_order"] = _("The signing order is a number from 1 to %(max)s.") % {"max": SIGNING_ORDER_MAX}
    if signature_method not in SignatureMethod.values:
        errors["signature_method"] = _("Choose whether this party signs in the portal or on paper.")
    if len(deliberation_number) > DELIBERATION_NUMBER_LENGTH:
        errors["deliberation_number"] = _("The deliberation number is limited to %(limit)s characters.") % {
            "limit": DELIBERATION_NUMBER_LENGTH
        }
    elif deliberation_number and not deliberation_date:
        errors["deliberation_date"] = _("Give the date of the deliberation with its number.")
    elif deliberation_date and not deliberation_number:
        errors["deliberation_number"] = _("Give the number of the deliberation with its date.")
    if deliberation_date is not None and not isinstance(deliberation_date, datetime.date):
        errors["deliberation_date"] = _("Give a valid date, such as 15/03/2025.")
    if errors:
        raise ValidationError(errors)
    return {
        "signing_order": signing_order,
        "signature_method": signature_method,
        "deliberation_number": deliberation_number,
        "deliberation_date": deliberation_date,
    }


def _check_keeps_its_signatories(convention: Convention, party: Party) -> None:
    """The intercommunality and a CAF sign every CTG (and a CAF party is what lets its officers review
    it): their last signatory line stays."""
    if party.role != PartyRole.SIGNATORY:
        return
    signatories = Party.objects.filter(convention=convention, role=PartyRole.SIGNATORY).exclude(pk=party.pk)
    if (
        party.organisation_id == convention.epci_id
        and not signatories.filter(organisation_id=convention.epci_id).exists()
    ):
        raise PartyRefused(
            _("%(organisation)s holds this convention: it stays one of its signatories.")
            % {"organisation": _organisation_name(party.organisation)}
        )
    if (
        party.organisation.kind == OrganisationKind.CAF
        and not signatories.filter(organisation__kind=OrganisationKind.CAF).exists()
    ):
        raise PartyRefused(
            _(
                "%(organisation)s is the convention's only signing CAF: add the right CAF first if this one is "
                "a mistake (the CAF's officers review the convention)."
            )
            % {"organisation": _organisation_name(party.organisation)}
        )


def _locked_party(convention: Convention, party: Party) -> Party:
    try:
        return (
            Party.objects.select_for_update(of=("self",))
            .select_related("organisation", "representative")
            .get(pk=party.pk, convention=convention)
        )
    except Party.DoesNotExist:
        raise PartyRefused(_("This party is no longer in the convention: reload the page.")) from None


def _save(party: Party, by) -> None:
    party.full_clean(validate_unique=False, validate_constraints=False)
    party._history_user = by
    party.save()


def _invite(party: Party, by) -> Invitation:
    representative = party.representative
    return invite_person(
        email=representative.email,
        full_name=representative.full_name,
        organisation=party.organisation,
        role=MembershipRole.READER,
        representative=representative,
        by=by,
    )


def _invite_if_expected(party: Party, by, *, invite: bool = True) -> Invitation | None:
    """Invites the party's representative if they should be and are not yet; a refusal of the accounts'
    rules (the address invited already by someone else…) leaves the party written and is kept in
    ``party.invitation_error`` for the page to show."""
    party.invitation_error = ""
    if not invite or not invitation_expected(party) or pending_invitation(party.representative) is not None:
        return None
    try:
        return _invite(party, by)
    except AccountRefused as error:
        party.invitation_error = str(error)
        return None


# --- Writes -----------------------------------------------------------------------------------------


def party_add(
    *,
    convention: Convention,
    by,
    organisation: Organisation,
    role: str = PartyRole.SIGNATORY,
    representative: Representative | None = None,
    new_representative: dict | None = None,
    signing_order: int | None = None,
    signature_method: str = SignatureMethod.ELECTRONIC,
    deliberation_number: str = "",
    deliberation_date: datetime.date | None = None,
    invite: bool = True,
) -> Party:
    """Adds ``organisation`` as a signatory (last round unless ``signing_order``) or an associate.

    The representative is one of the organisation's (``representative``), a person typed in
    (``new_representative``: ``civility``, ``full_name``, ``title``, ``delegation``, ``email``), or none
    yet. With ``invite``, an electronic signatory's representative is invited at once; the invitation
    sent, if any, is ``party.invitation``.
    """
    if role not in PartyRole.values:
        raise ValidationError({"role": _("Choose signatory or associate.")})
    with transaction.atomic():
        convention = _lock(convention, by)
        _check_role_rule(convention, organisation, role)
        chosen = _representative_for(
            organisation=organisation, by=by, representative=representative, new_representative=new_representative
        )
        _check_representative_free(convention, organisation, chosen)
        fields = _signing_fields(
            convention,
            role=role,
            signing_order=signing_order,
            signature_method=signature_method,
            deliberation_number=deliberation_number,
            deliberation_date=deliberation_date,
        )
        party = Party(convention=convention, organisation=organisation, role=role, representative=chosen, **fields)
        _save(party, by)
        party.invitation = _invite_if_expected(party, by, invite=invite)
    return party


def party_update(
    *,
    party: Party,
    by,
    representative: Representative | None = None,
    new_representative: dict | None = None,
    signing_order: int | None = None,
    signature_method: str = SignatureMethod.ELECTRONIC,
    deliberation_number: str = "",
    deliberation_date: datetime.date | None = None,
    invite: bool = True,
) -> Party:
    """Changes who represents the party and, for a signatory, its round, method and deliberation.

    The role is changed by ``party_switch_role``. Same arguments as ``party_add``.
    """
    with transaction.atomic():
        convention = _lock(party.convention, by)
        party = _locked_party(convention, party)
        chosen = _representative_for(
            organisation=party.organisation,
            by=by,
            representative=representative,
            new_representative=new_representative,
        )
        _check_representative_free(convention, party.organisation, chosen, exclude_pk=party.pk)
        fields = _signing_fields(
            convention,
            role=party.role,
            signing_order=party.signing_order if signing_order in (None, "") else signing_order,
            signature_method=signature_method,
            deliberation_number=deliberation_number,
            deliberation_date=deliberation_date,
        )
        party.representative = chosen
        for name, value in fields.items():
            setattr(party, name, value)
        _save(party, by)
        party.invitation = _invite_if_expected(party, by, invite=invite)
    return party


def party_set_signing_order(*, party: Party, by, signing_order: int) -> Party:
    """Moves a signatory to another signing round."""
    with transaction.atomic():
        convention = _lock(party.convention, by)
        party = _locked_party(convention, party)
        if party.role != PartyRole.SIGNATORY:
            raise ValidationError({"signing_order": _("An associate does not sign: it has no signing order.")})
        if not isinstance(signing_order, int) or not 1 <= signing_order <= SIGNING_ORDER_MAX:
            raise ValidationError(
                {"signing_order": _("The signing order is a number from 1 to %(max)s.") % {"max": SIGNING_ORDER_MAX}}
            )
        if party.signing_order != signing_order:
            party.signing_order = signing_order
            _save(party, by)
    return party


def party_switch_role(*, party: Party, by, signing_order: int | None = None, invite: bool = True) -> Party:
    """A signatory becomes an associate (no round, no deliberation), or an associate a signatory (in the
    last round unless ``signing_order``)."""
    with transaction.atomic():
        convention = _lock(party.convention, by)
        party = _locked_party(convention, party)
        if party.role == PartyRole.SIGNATORY:
            if (
                Party.objects.filter(convention=convention, organisation=party.organisation)
                .exclude(pk=party.pk)
                .exists()
            ):
                raise PartyRefused(
                    _(
                        "%(organisation)s signs through several people: remove the other signatories of this "
                        "organisation before associating it."
                    )
                    % {"organisation": _organisation_name(party.organisation)}
                )
            _check_keeps_its_signatories(convention, party)
            new_role = PartyRole.ASSOCIATE
            fields = _signing_fields(
                convention,
                role=new_role,
                signing_order=None,
                signature_method=SignatureMethod.ELECTRONIC,
                deliberation_number="",
                deliberation_date=None,
            )
        else:
            new_role = PartyRole.SIGNATORY
            fields = _signing_fields(
                convention,
                role=new_role,
                signing_order=signing_order,
                signature_method=party.signature_method,
                deliberation_number="",
                deliberation_date=None,
            )
        party.role = new_role
        for name, value in fields.items():
            setattr(party, name, value)
        _save(party, by)
        party.invitation = _invite_if_expected(party, by, invite=invite)
    return party


def party_remove(*, party: Party, by) -> None:
    """Takes the party out of the convention (the people stay in their organisation's directory)."""
    with transaction.atomic():
        convention = _lock(party.convention, by)
        party = _locked_party(convention, party)
        _check_keeps_its_signatories(convention, party)
        party._history_user = by
        try:
            with transaction.atomic():
                party.delete()
        except ProtectedError:
            raise PartyRefused(
                _(
                    "%(organisation)s signed an earlier version of this convention: it stays among its parties "
                    "(it can be made an associate)."
                )
                % {"organisation": _organisation_name(party.organisation)}
            ) from None


def party_invite_representative(*, party: Party, by) -> Invitation:
    """Invites the party's representative to the portal (the explicit « Invite » button), or sends
    their pending invitation again with a new link; whatever the convention's status, since a signatory
    may need an account while the convention is being signed."""
    with transaction.atomic():
        convention, abilities = lock_convention_for_content(party.convention, by=by)
        if refusal := invitation_refusal(abilities):
            raise NotAllowed(refusal)
        party = _locked_party(convention, party)
        representative = party.representative
        if party.role != PartyRole.SIGNATORY:
            raise PartyRefused(_("An associate does not sign: its representative is not invited to sign."))
        if party.signature_method != SignatureMethod.ELECTRONIC:
            raise PartyRefused(_("This party signs on paper: its representative needs no account."))
        if representative is None:
            raise PartyRefused(_("Choose who signs for this party first."))
        if representative.user_id is not None:
            raise PartyRefused(_("%(name)s already has an account on the portal.") % {"name": representative.full_name})
        if not representative.email:
            raise PartyRefused(
                _("Give the e-mail address of %(name)s first: the invitation is sent by e-mail.")
                % {"name": representative.full_name}
            )
        pending = pending_invitation(representative)
        try:
            if pending is not None and pending.email.lower() == representative.email.lower():
                return resend_invitation(invitation=pending, by=by)
            return _invite(party, by)
        except (AccountRefused, NotAllowed) as error:  # the accounts' rules: sent by someone else…
            raise PartyRefused(str(error)) from None


# --- The people named in the convention --------------------------------------------------------------


def representative_is_in_convention(convention: Convention, representative: Representative) -> bool:
    """Whether the person signs for a party of the convention or sits on one of its committees."""
    return (
        Party.objects.filter(convention=convention, representative=representative).exists()
        or GovernanceMember.objects.filter(body__convention=convention, representative=representative).exists()
    )


def representative_is_frozen(representative: Representative) -> bool:
    """Whether the person's name and title are in a text that no longer changes: a convention approved,
    being signed or signed, or a signature."""
    return (
        Party.objects.filter(representative=representative).exclude(convention__status__in=EDITABLE_STATUSES).exists()
        or GovernanceMember.objects.filter(representative=representative)
        .exclude(body__convention__status__in=EDITABLE_STATUSES)
        .exists()
        or Signature.objects.filter(representative=representative).exists()
    )


def representative_update_in_convention(
    *, convention: Convention, representative: Representative, by, **changes
) -> Representative:
    """Corrects a person named in the convention, from its party or governance editor.

    Their civility, name, title and delegation are part of the text: changed only while the convention
    is editable, and never when another text that no longer changes names them (a new person or a new
    title is then a new representative). Their e-mail is not: the intercommunality's staff change it
    whatever the status, so that a signatory can still be invited.
    """
    with transaction.atomic():
        convention, abilities = lock_convention_for_content(convention, by=by)
        if not (abilities["edit"] or abilities["follow_up"]):
            raise NotAllowed(parties_edit_refusal(convention, abilities))
        representative = Representative.objects.select_for_update().get(pk=representative.pk)
        if not representative_is_in_convention(convention, representative):
            raise PartyRefused(_("This person is not named in this convention."))
        wanted = normalised_fields(changes)
        contractual = [
            name for name in CONTRACTUAL_FIELDS if name in wanted and wanted[name] != getattr(representative, name)
        ]
        if contractual and not abilities["edit"]:
            raise NotAllowed(
                _(
                    "The convention is “%(status)s”: the civility, name, title and delegation of the people it names "
                    "no longer change. Only their e-mail address can be corrected."
                )
                % {"status": convention.get_current_status_display()}
            )
        if contractual and representative_is_frozen(representative):
            raise PartyRefused(
                _(
                    "%(name)s is named in a convention already approved or signed, which keeps their civility, "
                    "name, title and delegation as they were. If another person now signs, or under another "
                    "title, add them as a new representative; only the e-mail address can be corrected here."
                )
                % {"name": representative.full_name}
            )
        previous_email = representative.email
        representative = update_representative(representative=representative, by=by, **wanted)
        representative.invitation = None
        if representative.email.lower() != previous_email.lower():
            _replace_invitations(convention, representative, by)
        return representative


def _replace_invitations(convention: Convention, representative: Representative, by) -> None:
    """After a change of e-mail: the invitations sent to the former address are withdrawn (when ``by``
    may), and an electronic signatory of the convention is invited at the new one."""
    for invitation in representative.invitations.filter(accepted_at__isnull=True, revoked_at__isnull=True):
        if invitation.email.lower() != representative.email.lower():
            # Sent by someone of another organisation: it stays theirs to withdraw.
            with contextlib.suppress(NotAllowed, AccountRefused):
                revoke_invitation(invitation=invitation, by=by)
    for party in Party.objects.filter(convention=convention, representative=representative).select_related(
        "organisation", "representative"
    ):
        party.representative = representative
        invitation = _invite_if_expected(party, by)
        if invitation is not None:
            representative.invitation = invitation
            break
