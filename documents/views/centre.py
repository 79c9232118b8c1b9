"""The document centre of a convention: its PDFs, generated in the background, and their downloads.

Thin views over ``documents.services.queue``. Every view starts from ``convention_for_user``
(404 for whoever may not see the convention). Generating, retrying and regenerating are POSTs; with
htmx they answer the document's card alone, which polls its status every two seconds while the
document is being generated and stops once it is ready or failed. Files are streamed only by
:func:`document_download`, after the permission check: no public URL serves them.

The task is sent after the commit, which comes after the view returns (``ATOMIC_REQUESTS``): the
flash messages saying what follows are therefore lazy, read when the response is sent, once the
task was sent or could not be (the broker unavailable: the document waits for it, the page says so).
"""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from conventions.choices import REPORT_KINDS, DocumentKind, DocumentStatus
from conventions.models import ConventionVersion, Meeting
from conventions.selectors import convention_for_user
from ctg_portal.errors import PortalError
from documents import selectors
from documents.pdf_signature import seal_profile
from documents.services import queue as services


def _centre_url(convention) -> str:
    return reverse("documents:documents", args=[convention.pk])


def _regeneration_outlook(document_pk: int) -> str:
    """What follows a new rendering asked for, once the commit has sent its task (or could not)."""
    document = selectors.document_as_now(pk=document_pk)
    if document is not None and document.awaits_broker:
        if document.is_refreshing:
            return _(
                "The new rendering is recorded: it will be generated as soon as the generation service is available. "
                "The current file stays available until then."
            )
        return _(
            "The request is recorded: the document will be generated as soon as the generation service is available."
        )
    if document is not None and document.is_refreshing:
        return _("The document is being generated again; the current file stays available until the new one is ready.")
    return _("The document is being generated again.")


regeneration_outlook = lazy(_regeneration_outlook, str)


def _draft_outlook(document_pk: int) -> str:
    """What follows a request for the draft PDF (from the convention page), once its task was sent."""
    document = selectors.document_as_now(pk=document_pk)
    if document is not None and document.is_ready and not document.is_refreshing:
        return _("The draft PDF is up to date: the text has not changed since it was generated.")
    if document is not None and document.awaits_broker:
        return _(
            "The request is recorded: the document will be generated as soon as the generation service is available."
        )
    return _("The draft PDF is being generated from the current text; this page shows it as soon as it is ready.")


draft_outlook = lazy(_draft_outlook, str)


def _slot_response(request, convention, document, *, error: str = ""):
    return render(
        request,
        "documents/_document_slot.html",
        {
            "convention": convention,
            "slot": selectors.slot_of(document),
            "abilities": convention.get_abilities(request.user),
            "slot_error": error,
        },
    )


@require_GET
def documents(request, convention_pk: int):
    convention, centre = selectors.documents_for_user(user=request.user, convention_pk=convention_pk)
    return render(
        request,
        "documents/document_centre.html",
        {
            "convention": convention,
            "centre": centre,
            "abilities": convention.get_abilities(request.user),
            "seal_profile": seal_profile(),  # "B-B", "B-LT" or "B-LTA": the page says which
        },
    )


@require_GET
def document_status(request, convention_pk: int, doc_pk: int):
    """One document's card (htmx polls it while the document is pending or being generated)."""
    document = selectors.document_for_user(user=request.user, convention_pk=convention_pk, document_pk=doc_pk)
    return _slot_response(request, document.convention, document)


@require_POST
def document_generate(request, convention_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    kind = request.POST.get("kind", "")
    version = meeting = None
    if kind in (DocumentKind.CONVENTION, DocumentKind.SIGNED_CONVENTION):
        version = get_object_or_404(
            ConventionVersion.objects.defer("content_json"), convention=convention, pk=request.POST.get("version") or 0
        )
    elif kind in REPORT_KINDS:
        meeting = get_object_or_404(
            Meeting.objects.select_related("body"), body__convention=convention, pk=request.POST.get("meeting") or 0
        )
    elif kind != DocumentKind.DRAFT_CONVENTION:
        raise Http404("Unknown kind of document")
    force = request.POST.get("force") == "1"
    try:
        document = services.document_request(
            convention=convention, kind=kind, by=request.user, version=version, meeting=meeting, force=force
        )
    except PortalError as error:
        if request.htmx:
            existing = convention.documents.filter(kind=kind, version=version, meeting=meeting).first()
            if existing is not None:
                return _slot_response(request, convention, existing, error=str(error))
        messages.error(request, str(error))
        return redirect(_centre_url(convention))
    if request.htmx:
        document.convention = convention
        return _slot_response(request, convention, document)
    if force:
        messages.success(request, regeneration_outlook(document.pk))
    if kind == DocumentKind.DRAFT_CONVENTION:
        messages.success(request, draft_outlook(document.pk))
        return redirect(f"{_centre_url(convention)}#document-{DocumentKind.DRAFT_CONVENTION}")
    return redirect(_centre_url(convention))


@require_POST
def document_retry(request, convention_pk: int, doc_pk: int):
    document = selectors.document_for_user(user=request.user, convention_pk=convention_pk, document_pk=doc_pk)
    convention = document.convention
    try:
        document = services.document_retry(document=document, by=request.user)
    except PortalError as error:
        if request.htmx:
            return _slot_response(request, convention, document, error=str(error))
        messages.error(request, str(error))
        return redirect(_centre_url(convention))
    document.convention = convention
    if request.htmx:
        return _slot_response(request, convention, document)
    messages.success(request, regeneration_outlook(document.pk))
    return redirect(_centre_url(convention))


@require_GET
def document_download(request, convention_pk: int, doc_pk: int):
    """The PDF itself, for whoever may see the convention, named after the convention and version."""
    document = selectors.document_for_user(user=request.user, convention_pk=convention_pk, document_pk=doc_pk)
    if document.status != DocumentStatus.READY or not document.file:
        messages.error(request, _("This document is not ready yet."))
        return redirect(_centre_url(document.convention))
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404("The document's file is missing") from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=selectors.download_filename(document),
        content_type="application/pdf",
    )
    response["X-Content-SHA256"] = document.sha256
    response["Cache-Control"] = "private, no-store"
    return response
