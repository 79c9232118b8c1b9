"""Consultations of local actors: listed on the diagnostic page, added and changed on their own page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from diagnostics import selectors, services
from diagnostics.forms import ConsultationForm, apply_errors
from diagnostics.views.common import handles_refusal, scope
from diagnostics.views.page import detail_url


def _form(request, current, consultation=None):
    return ConsultationForm(
        request.POST or None,
        instance=consultation,
        domains=current.convention.domains.order_by("position", "name"),
        organisations=selectors.consultation_organisation_choices(
            convention=current.convention, consultation=consultation
        ),
    )


def _save(request, current, form, consultation=None):
    fields = {name: form.cleaned_data[name] for name in services.CONSULTATION_FIELDS}
    organisations = form.cleaned_data["organisations"]
    if consultation is None:
        return services.consultation_create(
            diagnostic=current.diagnostic, fields=fields, organisations=organisations, by=request.user
        )
    return services.consultation_update(
        consultation=consultation, fields=fields, organisations=organisations, by=request.user
    )


def _page(request, current, form, *, title: str, consultation=None):
    return render(
        request,
        "diagnostics/consultation_form.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "form": form,
            "title": title,
            "consultation": consultation,
            "cancel_url": detail_url(current.convention.pk, "consultations"),
        },
    )


@require_http_methods(["GET", "POST"])
@handles_refusal
def consultation_add(request, convention_pk: int):
    current = scope(request, convention_pk, editing=True)
    form = _form(request, current)
    if request.method == "POST" and form.is_valid():
        try:
            consultation = _save(request, current, form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Consultation “%(title)s” added.") % {"title": consultation.title})
            return redirect(detail_url(convention_pk, "consultations"))
    return _page(request, current, form, title=_("Add a consultation"))


@require_http_methods(["GET", "POST"])
@handles_refusal
def consultation_edit(request, convention_pk: int, pk: int):
    current = scope(request, convention_pk, editing=True)
    consultation = selectors.consultation_for(diagnostic=current.diagnostic, pk=pk)
    form = _form(request, current, consultation)
    if request.method == "POST" and form.is_valid():
        try:
            _save(request, current, form, consultation)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(detail_url(convention_pk, "consultations"))
    return _page(request, current, form, title=_("Edit a consultation"), consultation=consultation)


@require_http_methods(["GET", "POST"])
@handles_refusal
def consultation_delete(request, convention_pk: int, pk: int):
    current = scope(request, convention_pk, editing=True)
    consultation = selectors.consultation_for(diagnostic=current.diagnostic, pk=pk)
    if request.method == "POST":
        services.consultation_delete(consultation=consultation, by=request.user)
        messages.success(request, _("Consultation “%(title)s” deleted.") % {"title": consultation.title})
        return redirect(detail_url(convention_pk, "consultations"))
    return render(
        request,
        "diagnostics/consultation_delete.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "consultation": consultation,
            "cancel_url": detail_url(convention_pk, "consultations"),
        },
    )
