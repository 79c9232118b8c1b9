"""An organisation's page (its legal identity, an EPCI's communes), the form that changes it, the form
that records a missing partner, and the CAF or Département of a département in one click.

Every active user reads an organisation (legal identities are public); the forms follow
``partners.permissions`` (403 otherwise) and the services check again. The creation forms accept a
``next`` address on this site (the party editor, say) to return to once the organisation exists, with
``organisation=<id>`` added to it so that the page can select it.
"""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ctg_portal.errors import NotAllowed
from partners import selectors
from partners.choices import OrganisationKind
from partners.forms.organisations import DepartmentOrganisationForm, OrganisationForm
from partners.models import Organisation
from partners.permissions import (
    ORGANISATION_REFUSALS,
    may_create_organisation,
    may_import_territories,
    organisation_abilities,
    people_abilities,
)
from partners.services.organisations import (
    OrganisationRefused,
    create_organisation,
    ensure_caf,
    ensure_departement,
    update_organisation,
)
from partners.territory_data import TerritoryDataError


def _safe_next(request) -> str:
    """The ``next`` address given (POST, else GET), if it is a path or URL of this site; else ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return ""


def _with_organisation(target: str, organisation: Organisation) -> str:
    """``target`` with ``organisation=<id>`` added to its query."""
    parts = urlsplit(target)
    query = f"{parts.query}&" if parts.query else ""
    return urlunsplit(parts._replace(query=query + urlencode({"organisation": organisation.pk})))


def _departements_or_none(request) -> tuple:
    try:
        return selectors.departements()
    except TerritoryDataError as error:
        messages.error(request, str(error))
        return ()


def _after_creation(organisation: Organisation, next_url: str):
    if next_url:
        return redirect(_with_organisation(next_url, organisation))
    return redirect("partners:organisation", organisation.pk)


def _create_url(next_url: str) -> str:
    url = reverse("partners:organisation_create")
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


@require_GET
def organisation_detail(request, organisation_pk: int):
    organisation = selectors.organisation_for_page(user=request.user, pk=organisation_pk)
    communes = list(selectors.member_communes(organisation)) if organisation.kind == OrganisationKind.EPCI else []
    departement = None
    if organisation.department_code:
        try:
            departement = selectors.departement(organisation.department_code)
        except TerritoryDataError:
            departement = None
    return render(
        request,
        "partners/organisations/organisation_detail.html",
        {
            "organisation": organisation,
            "abilities": organisation_abilities(request.user, organisation),
            "communes": communes,
            "departement": departement,
            # The organisation's team, and (for an intercommunality) starting its CTG, which the start page
            # checks in full: offered to those who set up CTGs.
            "may_view_team": people_abilities(request.user, organisation)["view"],
            "may_start_ctg": organisation.kind == OrganisationKind.EPCI and may_import_territories(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def organisation_update(request, organisation_pk: int):
    organisation = selectors.organisation_for_page(user=request.user, pk=organisation_pk)
    abilities = organisation_abilities(request.user, organisation)
    if not abilities["edit"]:
        raise NotAllowed(ORGANISATION_REFUSALS["edit"])
    form = OrganisationForm(
        request.POST or None,
        departements=_departements_or_none(request),
        organisation=organisation,
        initial=OrganisationForm.initial_for(organisation),
    )
    if request.method == "POST" and form.is_valid():
        try:
            update_organisation(organisation, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        except OrganisationRefused as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The identity of %(name)s is saved.") % {"name": organisation.name})
            return redirect("partners:organisation", organisation.pk)
    return render(
        request,
        "partners/organisations/organisation_form.html",
        {"form": form, "organisation": organisation, "next_url": "", "department_form": None},
    )


@require_http_methods(["GET", "POST"])
def organisation_create(request):
    if not may_create_organisation(request.user):
        raise NotAllowed(ORGANISATION_REFUSALS["create"])
    next_url = _safe_next(request)
    departements = _departements_or_none(request)
    initial = {"kind": request.GET.get("kind", "")} if request.method == "GET" else None
    form = OrganisationForm(request.POST or None, departements=departements, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            organisation = create_organisation(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s is on the portal.") % {"name": organisation.name})
            return _after_creation(organisation, next_url)
    return render(
        request,
        "partners/organisations/organisation_form.html",
        {
            "form": form,
            "organisation": None,
            "next_url": next_url,
            "department_form": DepartmentOrganisationForm(departements=departements) if departements else None,
        },
    )


@require_POST
def department_organisation(request):
    """The CAF or the Département of a département: the one recorded, else a new one."""
    if not may_create_organisation(request.user):
        raise NotAllowed(ORGANISATION_REFUSALS["create"])
    next_url = _safe_next(request)
    form = DepartmentOrganisationForm(request.POST, departements=_departements_or_none(request))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_create_url(next_url))
    ensure = ensure_caf if form.cleaned_data["kind"] == OrganisationKind.CAF else ensure_departement
    try:
        organisation = ensure(department_code=form.cleaned_data["department_code"], by=request.user)
    except OrganisationRefused as error:
        messages.error(request, str(error))
        return redirect(_create_url(next_url))
    messages.success(request, _("%(name)s is on the portal.") % {"name": organisation.name})
    return _after_creation(organisation, next_url)
