"""The Équipe page of an organisation: its members, its pending invitations, and the référents' buttons.

Members read the page; référents and the portal's administrators (``people_abilities``) invite,
send again, revoke, remove and make référent; anyone else gets a 404 (the organisation is not among
those they may open). Each button posts to its own URL and the services decide: a refusal comes back
as a message on the page, never a 500.
"""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctg_portal.errors import NotAllowed
from partners import selectors_people as selectors
from partners.forms.people import InvitationForm, ReferentForm
from partners.models import Invitation, Membership
from partners.permissions import PEOPLE_REFUSALS, is_people_administrator, people_abilities
from partners.services import accounts
from partners.services.accounts import AccountRefused


def _organisation(request, organisation_pk: int):
    organisation = selectors.organisation_for_people(user=request.user, pk=organisation_pk)
    return organisation, people_abilities(request.user, organisation)


def _require(abilities: dict, key: str) -> None:
    if not abilities[key]:
        raise NotAllowed(PEOPLE_REFUSALS["manage"])


def _moment(value) -> str:
    return formats.date_format(timezone.localtime(value), "j F Y, H:i")


@require_GET
def people_home(request):
    """« Mon équipe »: straight to the team of one's only organisation; else the list to choose from
    (administrators search every organisation)."""
    query = request.GET.get("q", "").strip()[:100]
    organisations = selectors.organisations_for_people_home(user=request.user, query=query)
    administrator = is_people_administrator(request.user)
    shown = list(organisations[: selectors.ORGANISATION_LIST_LIMIT + 1])
    if not administrator and len(shown) == 1 and not query:
        return redirect("partners:people", shown[0].pk)
    return render(
        request,
        "partners/people/people_home.html",
        {
            # Not "organisations": the navigation bar of base.html sets that name.
            "team_organisations": shown[: selectors.ORGANISATION_LIST_LIMIT],
            "more": len(shown) > selectors.ORGANISATION_LIST_LIMIT,
            "query": query,
            "administrator": administrator,
        },
    )


@require_http_methods(["GET", "POST"])
def people(request, organisation_pk: int):
    organisation, abilities = _organisation(request, organisation_pk)
    members = list(selectors.team_members(organisation))
    has_referent = any(member.is_referent for member in members)
    form = None
    if abilities["invite"]:
        form = InvitationForm(request.POST or None, initial={"is_referent": not has_referent})
    if request.method == "POST":
        _require(abilities, "invite")
        if form.is_valid():
            try:
                invitation = accounts.invite_person(organisation=organisation, by=request.user, **form.cleaned_data)
            except AccountRefused as error:
                form.add_error("email", str(error))
            else:
                messages.success(
                    request,
                    _("Invitation sent to %(email)s. Its link works once, until %(expiry)s.")
                    % {"email": invitation.email, "expiry": _moment(invitation.expires_at)},
                )
                return redirect("partners:people", organisation.pk)
    invitations = []
    if abilities["manage_invitations"]:
        now = timezone.now()
        invitations = [
            (invitation, selectors.invitation_state(invitation, now=now))
            for invitation in selectors.pending_invitations(organisation)
        ]
    return render(
        request,
        "partners/people/people.html",
        {
            "organisation": organisation,
            "abilities": abilities,
            "members": members,
            "has_referent": has_referent,
            "invitations": invitations,
            "form": form,
            "validity_days": settings.INVITATION_VALIDITY_DAYS,
        },
    )


def _invitation(organisation, invitation_pk: int) -> Invitation:
    return get_object_or_404(Invitation, pk=invitation_pk, organisation=organisation)


@require_POST
def invitation_resend(request, organisation_pk: int, invitation_pk: int):
    organisation, _abilities = _organisation(request, organisation_pk)
    invitation = _invitation(organisation, invitation_pk)
    try:
        invitation = accounts.resend_invitation(invitation=invitation, by=request.user)
    except AccountRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "Invitation sent again to %(email)s, with a new link that works until %(expiry)s; the previous "
                "link no longer works."
            )
            % {"email": invitation.email, "expiry": _moment(invitation.expires_at)},
        )
    return redirect("partners:people", organisation.pk)


@require_POST
def invitation_revoke(request, organisation_pk: int, invitation_pk: int):
    organisation, _abilities = _organisation(request, organisation_pk)
    invitation = _invitation(organisation, invitation_pk)
    try:
        invitation = accounts.revoke_invitation(invitation=invitation, by=request.user)
    except AccountRefused as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("Invitation of %(email)s revoked: its link no longer works.") % {"email": invitation.email}
        )
    return redirect("partners:people", organisation.pk)


def _membership(organisation, membership_pk: int) -> Membership:
    return get_object_or_404(Membership.objects.select_related("user"), pk=membership_pk, organisation=organisation)


@require_http_methods(["GET", "POST"])
def people_remove(request, organisation_pk: int, membership_pk: int):
    """A confirmation page (it says whether the account will be deactivated), then the removal."""
    organisation, abilities = _organisation(request, organisation_pk)
    _require(abilities, "remove_members")
    membership = _membership(organisation, membership_pk)
    if request.method == "POST":
        try:
            removal = accounts.remove_member(membership=membership, by=request.user)
        except AccountRefused as error:
            messages.error(request, str(error))
            return redirect("partners:people", organisation.pk)
        text = _("%(name)s no longer belongs to %(organisation)s.") % {
            "name": removal.name,
            "organisation": organisation.display_name,
        }
        if removal.deactivated:
            text += " " + _("Their account is deactivated: they no longer have access to the portal.")
        messages.success(request, text)
        if membership.user_id == request.user.pk and not request.user.is_superuser:
            return redirect("workflow:home")
        return redirect("partners:people", organisation.pk)
    other_memberships = Membership.objects.filter(user_id=membership.user_id).exclude(pk=membership.pk).count()
    return render(
        request,
        "partners/people/people_remove.html",
        {
            "organisation": organisation,
            "abilities": abilities,
            "membership": membership,
            "is_self": membership.user_id == request.user.pk,
            "will_deactivate": not other_memberships and not membership.user.is_superuser,
        },
    )


@require_POST
def people_set_referent(request, organisation_pk: int, membership_pk: int):
    organisation, abilities = _organisation(request, organisation_pk)
    _require(abilities, "set_referents")
    membership = _membership(organisation, membership_pk)
    form = ReferentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("This form is incomplete: reload the page and try again."))
        return redirect("partners:people", organisation.pk)
    name = accounts.person_name(membership.user)
    try:
        membership = accounts.set_referent(
            membership=membership, is_referent=form.cleaned_data["is_referent"], by=request.user
        )
    except AccountRefused as error:
        messages.error(request, str(error))
    else:
        if membership.is_referent:
            messages.success(request, _("%(name)s is now a référent: they invite and remove members.") % {"name": name})
        else:
            messages.success(request, _("%(name)s is no longer a référent.") % {"name": name})
    return redirect("partners:people", organisation.pk)
