"""« Signataires et associés »: the convention's parties, and the staff's forms to change them.

Whoever may see the convention reads the list (404 for anyone else); invitation states and e-mail
addresses are shown to the intercommunality's staff, the CAF's officers and the administrators. The
forms are for the intercommunality's staff while the convention is editable
(``services.parties.parties_edit_refusal``): anyone else gets a 403 saying why, and the services check
again under the convention's lock. A refusal by a service is shown on the form, never a 500.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conventions import selectors_parties
from conventions.choices import PartyRole
from conventions.forms.parties import (
    NEW_PERSON,
    OrganisationPickForm,
    PartyForm,
    RepresentativeForm,
    add_service_errors,
    organisation_create_url,
)
from conventions.models import Convention
from conventions.services import parties as services
from conventions.views.common import convention_and_abilities, refused
from ctg_portal.errors import NotAllowed, PortalError


def _list_url(convention: Convention, party=None) -> str:
    url = reverse("conventions:parties", args=[convention.pk])
    return f"{url}#party-{party.pk}" if party is not None else url


def _report_invitation(request, party) -> None:
    invitation = getattr(party, "invitation", None)
    if invitation is not None:
        messages.info(
            request,
            _("An invitation to the portal is sent to %(name)s (%(email)s).")
            % {"name": party.representative.full_name, "email": invitation.email},
        )
    if getattr(party, "invitation_error", ""):
        messages.warning(request, _("No invitation was sent: %(reason)s") % {"reason": party.invitation_error})


def _role(value: str) -> str:
    return value if value in PartyRole.values else PartyRole.SIGNATORY


@require_GET
def party_list(request, convention_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    return render(
        request,
        "conventions/parties/party_list.html",
        {
            "convention": convention,
            "abilities": abilities,
            "page": selectors_parties.parties_page(convention=convention),
            "sees_invitations": abilities["follow_up"] or abilities["review"] or abilities["administer"],
            "edit_refusal": services.parties_edit_refusal(convention, abilities),
        },
    )


@require_http_methods(["GET", "POST"])
def party_add(request, convention_pk: int):
    """Step 1 (no ``organisation`` in the query): pick the organisation. Step 2: describe its party."""
    convention, abilities = convention_and_abilities(request, convention_pk)
    if refusal := services.parties_edit_refusal(convention, abilities):
        return refused(request, refusal)
    role = _role(request.GET.get("role", ""))
    searching = request.GET.get("action") == "search"
    organisation = (
        None
        if searching
        else selectors_parties.picked_organisation(convention=convention, pk=request.GET.get("organisation", ""))
    )
    if organisation is None:
        search = request.GET.get("q", "")[:100]
        groups = selectors_parties.organisation_picker(convention=convention, search=search)
        found = [organisation for _label, organisations in groups for organisation in organisations]
        initial = {"role": role, "q": search}
        if searching and len(found) == 1:  # the one answer of a search: chosen already
            initial["organisation"] = found[0].pk
        pick_form = OrganisationPickForm(initial=initial, groups=groups)
        return render(
            request,
            "conventions/parties/party_pick.html",
            {
                "convention": convention,
                "abilities": abilities,
                "form": pick_form,
                "search": search,
                "found_nothing": bool(search) and not groups,
                "pick_error": (
                    _("Choose an organisation in the list, or create it.")
                    if "organisation" in request.GET and not searching
                    else ""
                ),
                "create_url": organisation_create_url(
                    reverse("conventions:party_add", args=[convention.pk]) + "?" + urlencode({"role": role})
                ),
            },
        )
    form = PartyForm(
        request.POST or None,
        organisation=organisation,
        role=role,
        people=selectors_parties.representatives_of(organisation),
        initial={"representative": NEW_PERSON, "invite": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            party = services.party_add(
                convention=convention,
                by=request.user,
                organisation=organisation,
                role=role,
                **form.service_arguments(),
            )
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            if party.role == PartyRole.SIGNATORY:
                message = _("%(organisation)s added as a signatory, in round %(order)s.") % {
                    "organisation": organisation.display_name,
                    "order": party.signing_order,
                }
            else:
                message = _("%(organisation)s added as an associate.") % {"organisation": organisation.display_name}
            messages.success(request, message)
            _report_invitation(request, party)
            return redirect(_list_url(convention, party))
    return render(
        request,
        "conventions/parties/party_form.html",
        {
            "convention": convention,
            "abilities": abilities,
            "form": form,
            "organisation": organisation,
            "role": role,
            "party": None,
            "already": selectors_parties.parties_of(convention=convention, organisation=organisation),
            "change_url": reverse("conventions:party_add", args=[convention.pk]) + f"?role={role}",
        },
    )


@require_http_methods(["GET", "POST"])
def party_update(request, convention_pk: int, party_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    party = selectors_parties.party_for_page(convention=convention, pk=party_pk)
    if refusal := services.parties_edit_refusal(convention, abilities):
        return refused(request, refusal)
    initial = {
        "representative": str(party.representative_id) if party.representative_id else "",
        "signing_order": party.signing_order,
        "signature_method": party.signature_method,
        "deliberation_number": party.deliberation_number,
        "deliberation_date": party.deliberation_date,
        "invite": True,
    }
    people = list(selectors_parties.representatives_of(party.organisation))
    if party.representative is not None and party.representative not in people:
        people.insert(0, party.representative)  # deactivated since: still shown as the current choice
    form = PartyForm(
        request.POST or None, organisation=party.organisation, role=party.role, people=people, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            party = services.party_update(party=party, by=request.user, **form.service_arguments())
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(organisation)s saved.") % {"organisation": party.organisation.display_name})
            _report_invitation(request, party)
            return redirect(_list_url(convention, party))
    return render(
        request,
        "conventions/parties/party_form.html",
        {
            "convention": convention,
            "abilities": abilities,
            "form": form,
            "organisation": party.organisation,
            "role": party.role,
            "party": party,
            "already": [],
            "change_url": "",
        },
    )


@require_http_methods(["GET", "POST"])
def party_remove(request, convention_pk: int, party_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    party = selectors_parties.party_for_page(convention=convention, pk=party_pk)
    if refusal := services.parties_edit_refusal(convention, abilities):
        return refused(request, refusal)
    if request.method == "POST":
        try:
            services.party_remove(party=party, by=request.user)
        except NotAllowed as error:
            return refused(request, error)
        except PortalError as error:
            messages.error(request, str(error))
            return redirect(_list_url(convention, party))
        messages.success(
            request,
            _("%(organisation)s is no longer a party to the convention.")
            % {"organisation": party.organisation.display_name},
        )
        return redirect(_list_url(convention))
    return render(
        request,
        "conventions/parties/party_confirm_remove.html",
        {"convention": convention, "abilities": abilities, "party": party},
    )


@require_POST
def party_switch_role(request, convention_pk: int, party_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    party = selectors_parties.party_for_page(convention=convention, pk=party_pk)
    try:
        party = services.party_switch_role(party=party, by=request.user)
    except NotAllowed as error:
        return refused(request, error)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PortalError as error:
        messages.error(request, str(error))
    else:
        if party.role == PartyRole.SIGNATORY:
            message = _("%(organisation)s now signs the convention, in round %(order)s.") % {
                "organisation": party.organisation.display_name,
                "order": party.signing_order,
            }
        else:
            message = _("%(organisation)s is now associated with the convention, without signing it.") % {
                "organisation": party.organisation.display_name
            }
        messages.success(request, message)
        _report_invitation(request, party)
    return redirect(_list_url(convention, party))


@require_POST
def party_invite(request, convention_pk: int, party_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    party = selectors_parties.party_for_page(convention=convention, pk=party_pk)
    try:
        invitation = services.party_invite_representative(party=party, by=request.user)
    except NotAllowed as error:
        return refused(request, error)
    except PortalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("An invitation to the portal is sent to %(name)s (%(email)s).")
            % {"name": party.representative.full_name, "email": invitation.email},
        )
    return redirect(_list_url(convention, party))


_BACK_PAGES = {"parties": "conventions:parties", "governance": "conventions:governance"}


@require_http_methods(["GET", "POST"])
def representative_update(request, convention_pk: int, representative_pk: int):
    """Corrects a person named in the convention (signatory or committee member)."""
    convention, abilities = convention_and_abilities(request, convention_pk)
    person = selectors_parties.representative_in_convention(convention=convention, pk=representative_pk)
    if not (abilities["edit"] or abilities["follow_up"]):
        return refused(request, services.parties_edit_refusal(convention, abilities))
    back = request.GET.get("depuis", "parties")
    back_url = reverse(_BACK_PAGES.get(back, _BACK_PAGES["parties"]), args=[convention.pk])
    text_editable = abilities["edit"] and not services.representative_is_frozen(person)
    initial = {name: getattr(person, name) for name in ("civility", "full_name", "title", "delegation", "email")}
    form = RepresentativeForm(request.POST or None, initial=initial, text_editable=text_editable)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.representative_update_in_convention(
                convention=convention, representative=person, by=request.user, **form.cleaned_data
            )
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s saved.") % {"name": person.full_name})
            if person.invitation is not None:
                messages.info(
                    request,
                    _("An invitation to the portal is sent to %(name)s (%(email)s).")
                    % {"name": person.full_name, "email": person.invitation.email},
                )
            return redirect(back_url)
    return render(
        request,
        "conventions/parties/representative_form.html",
        {
            "convention": convention,
            "abilities": abilities,
            "form": form,
            "person": person,
            "text_editable": text_editable,
            "frozen": abilities["edit"] and not text_editable,
            "back_url": back_url,
            "from_governance": back == "governance",
        },
    )
