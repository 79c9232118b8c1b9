"""Strengths, weaknesses and needs, edited in place with htmx: every change answers with its list.

Each list of the page (one kind of finding in one domain) is a fragment, ``_finding_list.html``.
Adding, editing, moving or deleting a finding returns that fragment, which htmx swaps in place; a
rejected form comes back inside it with its errors and what was typed. Without JavaScript the same
URLs answer with a small page of their own, then send back to the diagnostic page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from conventions.models import Domain
from diagnostics import fragments, selectors, services
from diagnostics.forms import FindingForm, apply_errors
from diagnostics.views.common import Scope, handles_refusal, scope
from diagnostics.views.page import detail_url


def _kind(kind_slug: str) -> str:
    try:
        return selectors.KIND_SLUGS[kind_slug]
    except KeyError:
        raise Http404 from None


def _render_list(request, current: Scope, finding_list, *, form=None, mode: str = "", editing_pk=None):
    """The list as the page writes it; in ``mode`` "add" or "edit", with the inline form in it."""
    urls = fragments.Urls(current.convention.pk)
    form_html = ""
    if mode:
        form_url = urls.finding_add(finding_list) if mode == "add" else urls.edit(editing_pk)
        form_html = render_to_string(
            "diagnostics/_finding_inline_form.html",
            {
                "convention": current.convention,
                "finding_list": finding_list,
                "form": form,
                "form_url": form_url,
                "list_url": urls.finding_list(finding_list),
                "submit_label": _("Add") if mode == "add" else _("Save"),
            },
            request,
        )
    html = fragments.finding_list_html(
        finding_list,
        can_edit=current.abilities["edit"],
        urls=urls,
        labels=fragments.Labels.current(),
        form_html=form_html,
        form_mode=mode,
        editing_pk=editing_pk,
    )
    return HttpResponse(fragments.with_csrf(html, request))


def _list_of(current: Scope, domain, kind: str):
    return selectors.finding_list(diagnostic=current.diagnostic, domain=domain, kind=kind)


def _done(request, current: Scope, domain, kind: str, message: str):
    """After a change: the refreshed list for htmx, else back to the page with a message."""
    if request.htmx:
        return _render_list(request, current, _list_of(current, domain, kind))
    messages.success(request, message)
    anchor = f"findings-{domain.pk}-{selectors.SLUG_OF_KIND[kind]}"
    return redirect(detail_url(current.convention.pk, anchor))


def _form_page(request, current: Scope, *, form, title: str, domain, kind: str, action: str):
    return render(
        request,
        "diagnostics/finding_form.html",
        {
            "convention": current.convention,
            "abilities": current.abilities,
            "form": form,
            "title": title,
            "domain": domain,
            "kind_label": selectors.FindingList(domain=domain, kind=kind, findings=[]).title,
            "action": action,
            "cancel_url": detail_url(current.convention.pk, f"findings-{domain.pk}-{selectors.SLUG_OF_KIND[kind]}"),
        },
    )


@require_GET
def finding_list(request, convention_pk: int, domain_pk: int, kind_slug: str):
    """One list, read-only: what “Cancel” brings back in place of a form."""
    current = scope(request, convention_pk)
    kind = _kind(kind_slug)
    domain = get_object_or_404(Domain, pk=domain_pk)
    if not request.htmx:
        return redirect(detail_url(convention_pk, f"findings-{domain.pk}-{kind_slug}"))
    return _render_list(request, current, _list_of(current, domain, kind))


@require_http_methods(["GET", "POST"])
@handles_refusal
def finding_add(request, convention_pk: int, domain_pk: int, kind_slug: str):
    current = scope(request, convention_pk, editing=True)
    kind = _kind(kind_slug)
    domain = get_object_or_404(current.convention.domains.all(), pk=domain_pk)
    form = FindingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            finding = services.finding_create(
                diagnostic=current.diagnostic,
                domain=domain,
                kind=kind,
                title=form.cleaned_data["title"],
                detail=form.cleaned_data["detail"],
                priority=form.cleaned_data["priority"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(request, current, domain, kind, _("“%(title)s” added.") % {"title": finding.title})
    if request.htmx:
        return _render_list(request, current, _list_of(current, domain, kind), form=form, mode="add")
    return _form_page(
        request,
        current,
        form=form,
        title=_("Add a finding"),
        domain=domain,
        kind=kind,
        action=request.path,
    )


@require_http_methods(["GET", "POST"])
@handles_refusal
def finding_edit(request, convention_pk: int, pk: int):
    current = scope(request, convention_pk, editing=True)
    finding = selectors.finding_for(diagnostic=current.diagnostic, pk=pk)
    form = FindingForm(request.POST or None, instance=finding)
    if request.method == "POST" and form.is_valid():
        try:
            services.finding_update(
                finding=finding,
                title=form.cleaned_data["title"],
                detail=form.cleaned_data["detail"],
                priority=form.cleaned_data["priority"],
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            return _done(request, current, finding.domain, finding.kind, _("Changes saved."))
    if request.htmx:
        return _render_list(
            request,
            current,
            _list_of(current, finding.domain, finding.kind),
            form=form,
            mode="edit",
            editing_pk=finding.pk,
        )
    return _form_page(
        request,
        current,
        form=form,
        title=_("Edit a finding"),
        domain=finding.domain,
        kind=finding.kind,
        action=request.path,
    )


@require_POST
@handles_refusal
def finding_move(request, convention_pk: int, pk: int):
    current = scope(request, convention_pk, editing=True)
    finding = selectors.finding_for(diagnostic=current.diagnostic, pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        raise Http404
    services.finding_move(finding=finding, direction=direction, by=request.user)
    return _done(request, current, finding.domain, finding.kind, _("Order changed."))


@require_POST
@handles_refusal
def finding_delete(request, convention_pk: int, pk: int):
    current = scope(request, convention_pk, editing=True)
    finding = selectors.finding_for(diagnostic=current.diagnostic, pk=pk)
    services.finding_delete(finding=finding, by=request.user)
    return _done(request, current, finding.domain, finding.kind, _("“%(title)s” deleted.") % {"title": finding.title})


@require_GET
def answering_actions(request, convention_pk: int, pk: int):
    """Every fiche answering one need: the page shows the first few, htmx swaps in the whole list.

    Without JavaScript the link leads back to the diagnostic page at that need, where it is unfolded.
    """
    current = scope(request, convention_pk)
    need = selectors.need_with_answers(diagnostic=current.diagnostic, pk=pk)
    if not request.htmx:
        return redirect(f"{detail_url(convention_pk)}?besoin={need.pk}#finding-{need.pk}")
    return HttpResponse(fragments.answering_actions_html(need, urls=fragments.Urls(convention_pk), limit=None))
