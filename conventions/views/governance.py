"""« Gouvernance »: the convention's committees (copil, cotech) and their members, and the staff's forms.

Whoever may see the convention reads the page (404 for anyone else). The composition of the
committees is part of the convention's text: the forms are for the intercommunality's staff while
the convention is editable (``services.governance.governance_edit_refusal``), anyone else gets a 403
saying why, and the services check again under the convention's lock.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conventions import selectors_parties
from conventions.forms.governance import BodyForm, MemberForm, MemberRoleForm
from conventions.forms.parties import NEW_PERSON, add_service_errors, organisation_create_url
from conventions.models import Convention
from conventions.services import governance as services
from conventions.views.common import convention_and_abilities, refused
from ctg_portal.errors import NotAllowed, PortalError


def _page_url(convention: Convention, anchor: str = "") -> str:
    url = reverse("conventions:governance", args=[convention.pk])
    return f"{url}#{anchor}" if anchor else url


@require_GET
def governance(request, convention_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    return render(
        request,
        "conventions/governance/governance.html",
        {
            "convention": convention,
            "abilities": abilities,
            "bodies": selectors_parties.governance_page(convention=convention),
            "edit_refusal": services.governance_edit_refusal(convention, abilities),
        },
    )


@require_http_methods(["GET", "POST"])
def body_create(request, convention_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    if refusal := services.governance_edit_refusal(convention, abilities):
        return refused(request, refusal)
    form = BodyForm(request.POST or None, with_kind=True)
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_create(convention=convention, by=request.user, **form.cleaned_data)
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("%(body)s set up.") % {"body": body.name})
            return redirect(_page_url(convention, f"body-{body.pk}"))
    return render(
        request,
        "conventions/governance/body_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "body": None},
    )


@require_http_methods(["GET", "POST"])
def body_update(request, convention_pk: int, body_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    body = selectors_parties.body_for_page(convention=convention, pk=body_pk)
    if refusal := services.governance_edit_refusal(convention, abilities):
        return refused(request, refusal)
    form = BodyForm(request.POST or None, with_kind=False, initial={"name": body.name, "mission": body.mission})
    if request.method == "POST" and form.is_valid():
        try:
            body = services.body_update(body=body, by=request.user, **form.cleaned_data)
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(body)s saved.") % {"body": body.name})
            return redirect(_page_url(convention, f"body-{body.pk}"))
    return render(
        request,
        "conventions/governance/body_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "body": body},
    )


@require_http_methods(["GET", "POST"])
def body_delete(request, convention_pk: int, body_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    body = selectors_parties.body_for_page(convention=convention, pk=body_pk)
    if refusal := services.governance_edit_refusal(convention, abilities):
        return refused(request, refusal)
    if request.method == "POST":
        try:
            services.body_delete(body=body, by=request.user)
        except NotAllowed as error:
            return refused(request, error)
        except PortalError as error:
            messages.error(request, str(error))
            return redirect(_page_url(convention, f"body-{body.pk}"))
        messages.success(request, _("%(body)s deleted.") % {"body": body.name})
        return redirect(_page_url(convention))
    return render(
        request,
        "conventions/governance/body_confirm_delete.html",
        {
            "convention": convention,
            "abilities": abilities,
            "body": body,
            "member_count": body.members.count(),
            "meeting_count": body.meetings.count(),
        },
    )


@require_http_methods(["GET", "POST"])
def member_add(request, convention_pk: int, body_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    body = selectors_parties.body_for_page(convention=convention, pk=body_pk)
    if refusal := services.governance_edit_refusal(convention, abilities):
        return refused(request, refusal)
    search = (request.POST.get("q") if request.method == "POST" else request.GET.get("q")) or ""
    search = search[:100]
    # Back from « Créer une organisation », which adds ``organisation=<id>`` to this page's address.
    created = selectors_parties.picked_organisation(convention=convention, pk=request.GET.get("organisation", ""))
    organisation_groups = selectors_parties.organisation_picker(convention=convention, search=search, include=created)
    initial = {"representative": NEW_PERSON, "organisation": created.pk} if created else {}
    form = MemberForm(
        request.POST or None,
        candidates=selectors_parties.member_candidates(convention=convention),
        organisation_groups=organisation_groups,
        initial=initial,
    )
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_add(body=body, by=request.user, **form.service_arguments())
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s now sits on %(body)s.") % {"name": member.representative.full_name, "body": body.name},
            )
            return redirect(_page_url(convention, f"body-{body.pk}"))
    return render(
        request,
        "conventions/governance/member_form.html",
        {
            "convention": convention,
            "abilities": abilities,
            "form": form,
            "body": body,
            "search": search,
            "create_url": organisation_create_url(
                reverse("conventions:governance_member_add", args=[convention.pk, body.pk])
            ),
        },
    )


@require_http_methods(["GET", "POST"])
def member_update(request, convention_pk: int, member_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    member = selectors_parties.member_for_page(convention=convention, pk=member_pk)
    if refusal := services.governance_edit_refusal(convention, abilities):
        return refused(request, refusal)
    form = MemberRoleForm(request.POST or None, initial={"role": member.role})
    if request.method == "POST" and form.is_valid():
        try:
            member = services.member_update(member=member, by=request.user, role=form.cleaned_data["role"])
        except NotAllowed as error:
            return refused(request, error)
        except ValidationError as error:
            add_service_errors(form, error)
        except PortalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("%(name)s is now %(role)s of %(body)s.")
                % {
                    "name": member.representative.full_name,
                    "role": member.get_role_display().lower(),
                    "body": member.body.name,
                },
            )
            return redirect(_page_url(convention, f"body-{member.body_id}"))
    return render(
        request,
        "conventions/governance/member_role_form.html",
        {"convention": convention, "abilities": abilities, "form": form, "member": member},
    )


@require_POST
def member_remove(request, convention_pk: int, member_pk: int):
    convention, abilities = convention_and_abilities(request, convention_pk)
    member = selectors_parties.member_for_page(convention=convention, pk=member_pk)
    try:
        services.member_remove(member=member, by=request.user)
    except NotAllowed as error:
        return refused(request, error)
    except PortalError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s no longer sits on %(body)s.")
            % {"name": member.representative.full_name, "body": member.body.name},
        )
    return redirect(_page_url(convention, f"body-{member.body_id}"))
