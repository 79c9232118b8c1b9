"""« Démarrer une CTG »: the form that creates a draft convention, then its page.

Who may start one is the policy's (``conventions.permissions``): whoever may not start any gets a 403
saying why; an intercommunality outside one's scope is not offered (and refused by the service if
posted anyway). A refusal by the service is shown on the form, with everything typed kept.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from conventions.permissions import may_start_conventions, start_refusal
from ctg_portal.errors import PortalError
from partners.choices import MembershipRole, OrganisationKind
from partners.models import Organisation
from workflow.forms.start import StartForm, startable_epcis
from workflow.services.start import convention_start


def _initial(request) -> dict:
    """The CAF of the starter (a CAF's staff), or of the intercommunality named by ``?epci=`` (the
    territories' page links here once a territory is imported)."""
    initial = {}
    epci_pk = request.GET.get("epci", "")
    epci = startable_epcis(request.user).filter(pk=epci_pk).first() if epci_pk.isdigit() else None
    if epci is not None:
        initial["epci"] = epci.pk
    cafs = Organisation.objects.filter(kind=OrganisationKind.CAF)
    own = cafs.filter(memberships__user=request.user, memberships__role=MembershipRole.STAFF).first()
    if own is not None:
        initial["caf"] = own.pk
    elif epci is not None and epci.department_code:
        local = cafs.filter(department_code=epci.department_code).order_by("name").first()
        if local is not None:
            initial["caf"] = local.pk
    return initial


@require_http_methods(["GET", "POST"])
def start(request):
    if not may_start_conventions(request.user):
        messages.error(request, start_refusal(request.user))
        return render(request, "403.html", status=403)
    form = StartForm(request.POST or None, user=request.user, initial=_initial(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            convention = convention_start(
                by=request.user,
                epci=data["epci"],
                caf=data["caf"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                domains=data["domains"],
                new_domain_names=form.new_domain_names(),
                title=data["title"],
                replaces_contract=data["replaces_contract"],
                predecessor_reference=data["predecessor_reference"],
                predecessor_start=data["predecessor_start"],
                predecessor_end=data["predecessor_end"],
                referent_email=data["referent_email"],
                referent_name=data["referent_name"],
            )
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("The convention %(reference)s is started: its text comes from the model, ready to be completed.")
                % {"reference": convention.reference},
            )
            invitation = convention.referent_invitation
            if invitation is not None:
                messages.info(
                    request,
                    _("An invitation to the portal is sent to %(email)s, référent of %(epci)s.")
                    % {"email": invitation.email, "epci": data["epci"].display_name},
                )
            elif data["referent_email"]:
                messages.info(
                    request,
                    _(
                        "%(epci)s already has people on the portal: no invitation was sent, its référents invite "
                        "their colleagues."
                    )
                    % {"epci": data["epci"].display_name},
                )
            return redirect("workflow:detail", convention.pk)
    return render(request, "workflow/start.html", {"form": form})
