"""The « Territoires » page: the EPCIs of France from the official files, searched as one types (htmx,
with a plain GET form without JavaScript), each added to the portal or refreshed in one click.

Open to the people who may import territories (``may_import_territories``: CAF and intercommunality
staff, administrators); anyone else gets a 403, and ``import_epci`` checks again.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from ctg_portal.errors import NotAllowed
from partners import selectors
from partners.forms.organisations import TerritorySearchForm
from partners.permissions import ORGANISATION_REFUSALS, may_import_territories
from partners.services.organisations import OrganisationRefused, import_epci
from partners.territory_data import TerritoryDataError


def _require_import(user) -> None:
    if not may_import_territories(user):
        raise NotAllowed(ORGANISATION_REFUSALS["import"])


@require_GET
def territory_list(request):
    _require_import(request.user)
    context = {"form": None, "page": None, "query": "", "departement": "", "data_error": ""}
    try:
        form = TerritorySearchForm(request.GET or None, departements=selectors.departements())
        context["form"] = form
        if not form.is_bound or form.is_valid():
            context["query"] = form.cleaned_data["q"] if form.is_bound else ""
            context["departement"] = form.cleaned_data["departement"] if form.is_bound else ""
            context["page"] = selectors.epci_catalogue_page(
                query=context["query"],
                department_codes=[context["departement"]] if context["departement"] else [],
                page_number=request.GET.get("page"),
            )
    except TerritoryDataError as error:
        context["data_error"] = str(error)
    # htmx asks for the results only, except when it restores a page its history cache lost.
    context["partial"] = bool(request.htmx) and not request.htmx.history_restore_request
    template = (
        "partners/territories/_results_htmx.html" if context["partial"] else "partners/territories/territory_list.html"
    )
    return render(request, template, context)


@require_POST
def territory_import(request, siren: str):
    try:
        epci = import_epci(siren=siren, by=request.user)
    except OrganisationRefused as error:
        messages.error(request, str(error))
        return redirect("partners:territories")
    count = epci.member_communes.count()
    messages.success(
        request,
        ngettext(
            "%(name)s and its %(count)d commune are up to date on the portal.",
            "%(name)s and its %(count)d communes are up to date on the portal.",
            count,
        )
        % {"name": epci.name, "count": count},
    )
    return redirect("partners:organisation", epci.pk)
