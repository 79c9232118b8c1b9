"""The signature pages: signing in the portal, declining, recording a paper signature, scans.

Thin views over ``workflow.services.signing``. Each page starts from ``convention_for_user``
(404 for whoever may not see the convention) and asks the service, before showing a form, whether
the user may act now (``signing_refusal``): the page then explains why not rather than offering a
form the service would refuse. A refusal on submission re-renders the page with the service's
French message, nothing recorded. Scanned signature pages are streamed only by
:func:`signature_scan`, after a permission check: no public URL serves them.
"""

from axes.helpers import get_cool_off, get_failure_limit
from django.contrib import messages
from django.contrib.auth import logout
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from conventions.choices import DocumentKind, SignatureMethod
from conventions.models import Party, Signature
from conventions.permissions import may_open_signature_scan
from conventions.selectors import convention_for_user
from ctg_portal.errors import NotAllowed, PortalError
from documents.selectors import version_document
from workflow.forms.signing import DeclineForm, PaperSignatureForm, SignForm
from workflow.services import signing


def _party(convention, party_pk: int) -> Party:
    return get_object_or_404(
        Party.objects.select_related("organisation", "representative"), pk=party_pk, convention=convention
    )


def _status(refusal: PortalError | None) -> int:
    """A refusal about who the user is answers 403; one about the moment (turn, status) is a page."""
    return 403 if isinstance(refusal, NotAllowed) else 200


def _locked_out(request) -> HttpResponse:
    """Too many wrong passwords: the account is locked, so the session ends too.

    The page is rendered here (403) rather than by django-axes' middleware, which would replace it
    with its own 429 response; the lock itself stays recorded by django-axes.
    """
    context = {"failure_limit": get_failure_limit(request, None), "cooloff_timedelta": get_cool_off(request)}
    logout(request)
    request.axes_locked_out = False
    return render(request, "registration/locked_out.html", context, status=403)


@require_http_methods(["GET", "POST"])
def sign(request, convention_pk: int, party_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    party = _party(convention, party_pk)
    refusal = signing.signing_refusal(convention=convention, party_id=party.pk, by=request.user)
    version = convention.approved_version
    form = (
        SignForm(request.POST or None, convention=convention, version=version, party=party)
        if version and not refusal
        else None
    )
    error = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            signature = signing.convention_sign(
                convention=convention,
                party_id=party.pk,
                version_id=form.cleaned_data["version_id"],
                by=request.user,
                request=request,
                password=form.cleaned_data["password"],
                consent=form.cleaned_data["consent"],
            )
        except signing.SigningLockedOut:
            return _locked_out(request)
        except signing.WrongPassword as wrong_password:
            form.add_error("password", str(wrong_password))
        except PortalError as refused:
            # The world moved (another tab, a decline, a stale version): show it as it is now.
            error = str(refused)
            convention = convention_for_user(user=request.user, pk=convention_pk)
            refusal = signing.signing_refusal(convention=convention, party_id=party.pk, by=request.user)
            version = convention.approved_version
            form = SignForm(convention=convention, version=version, party=party) if version and not refusal else None
            error = None if refusal and str(refusal) == error else error
        else:
            messages.success(request, _signed_message(convention, signature))
            return redirect("workflow:detail", convention.pk)
    decline_refusal = signing.signing_refusal(
        convention=convention, party_id=party.pk, by=request.user, action="decline"
    )
    return render(
        request,
        "workflow/signing/sign.html",
        {
            "convention": convention,
            "party": party,
            "version": version,
            "content": version.content if version else None,
            "form": form,
            "refusal": refusal,
            "error": error,
            "may_decline": decline_refusal is None,
        },
        status=_status(refusal),
    )


def _signed_pdf_outlook(version) -> str:
    """What follows the last signature for the signed PDF. Lazy (see :data:`signed_pdf_outlook`)."""
    document = version_document(version=version, kind=DocumentKind.SIGNED_CONVENTION)
    if document is not None and document.awaits_broker:
        return _("The signed PDF will be generated as soon as the generation service is available.")
    return _("The signed PDF is being generated: it will be in the documents of record in a moment.")


# Read when the response is sent: the signed PDF is asked for once the signature is committed, after
# the view returned (ATOMIC_REQUESTS); by then its task was sent, or could not be (broker unavailable).
signed_pdf_outlook = lazy(_signed_pdf_outlook, str)


def _signed_message(convention, signature: Signature) -> str:
    # The service refreshed ``convention``: its signed version is this one once everybody signed.
    if convention.signed_version_id == signature.version_id:
        done = _(
            "You signed version %(number)s on behalf of %(organisation)s. Every signatory has now signed: "
            "the convention is signed."
        ) % {"number": signature.version.number, "organisation": signature.organisation_name}
        return format_lazy("{} {}", done, signed_pdf_outlook(signature.version))
    return _(
        "You signed version %(number)s on behalf of %(organisation)s. The next signatories are told when it is "
        "their turn."
    ) % {"number": signature.version.number, "organisation": signature.organisation_name}


@require_http_methods(["GET", "POST"])
def decline(request, convention_pk: int, party_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    party = _party(convention, party_pk)
    refusal = signing.signing_refusal(convention=convention, party_id=party.pk, by=request.user, action="decline")
    version = convention.approved_version
    form = DeclineForm(request.POST or None, version=version) if version and not refusal else None
    error = None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            signing.convention_decline(
                convention=convention,
                party_id=party.pk,
                version_id=form.cleaned_data["version_id"],
                by=request.user,
                reason=form.cleaned_data["reason"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except PortalError as refused:
            error = str(refused)
            convention = convention_for_user(user=request.user, pk=convention_pk)
            refusal = signing.signing_refusal(
                convention=convention, party_id=party.pk, by=request.user, action="decline"
            )
            version = convention.approved_version
            form = DeclineForm(version=version) if version and not refusal else None
            error = None if refusal and str(refusal) == error else error
        else:
            messages.success(
                request,
                _(
                    "You declined to sign for %(organisation)s. The convention is back to drafting; the "
                    "intercommunality's staff and the signatories who had signed are told why."
                )
                % {"organisation": party.organisation.display_name},
            )
            return redirect("workflow:detail", convention.pk)
    valid_signatures = (
        list(
            Signature.objects.filter(version=version, voided_at__isnull=True)
            .select_related("party__organisation")
            .order_by("signed_at", "pk")
        )
        if version and not refusal
        else []
    )
    return render(
        request,
        "workflow/signing/decline.html",
        {
            "convention": convention,
            "party": party,
            "version": version,
            "form": form,
            "refusal": refusal,
            "error": error,
            "signatures_to_void": valid_signatures,
        },
        status=_status(refusal),
    )


@require_http_methods(["GET", "POST"])
def paper_signature(request, convention_pk: int, party_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    party = _party(convention, party_pk)
    refusal = signing.signing_refusal(convention=convention, party_id=party.pk, by=request.user, action="paper")
    version = convention.approved_version
    form = (
        PaperSignatureForm(request.POST or None, request.FILES or None, version=version, party=party)
        if version and not refusal
        else None
    )
    if request.method == "POST" and form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            signature = signing.convention_record_paper_signature(
                convention=convention,
                party_id=party.pk,
                version_id=data["version_id"],
                by=request.user,
                signed_on=data["signed_on"],
                place=data["place"],
                scan=data["scan"],
                signer_name=data["signer_name"],
                signer_title=data["signer_title"],
                ip_address=request.META.get("REMOTE_ADDR"),
            )
        except NotAllowed as refused:
            refusal = refused
            form = None
        except PortalError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(request, _paper_message(convention, signature))
            return redirect("workflow:detail", convention.pk)
    return render(
        request,
        "workflow/signing/paper.html",
        {"convention": convention, "party": party, "version": version, "form": form, "refusal": refusal},
        status=_status(refusal),
    )


def _paper_message(convention, signature: Signature) -> str:
    values = {"organisation": signature.organisation_name, "number": signature.version.number}
    if convention.signed_version_id == signature.version_id:
        done = (
            _(
                "The paper signature of %(organisation)s is recorded. Every signatory has now signed version "
                "%(number)s: the convention is signed."
            )
            % values
        )
        return format_lazy("{} {}", done, signed_pdf_outlook(signature.version))
    return _("The paper signature of %(organisation)s on version %(number)s is recorded.") % values


@require_http_methods(["GET"])
def signature_scan(request, convention_pk: int, signature_pk: int):
    convention = convention_for_user(user=request.user, pk=convention_pk)
    signature = get_object_or_404(
        Signature.objects.select_related("version", "representative"),
        pk=signature_pk,
        version__convention=convention,
        method=SignatureMethod.PAPER,
    )
    abilities = convention.get_abilities(request.user)
    if not may_open_signature_scan(user=request.user, abilities=abilities, signature=signature):
        messages.error(
            request,
            _(
                "Only the intercommunality's staff, the CAF's officers and the person who signed can open a "
                "scanned signature page."
            ),
        )
        return render(request, "403.html", status=403)
    if not signature.scan:
        raise Http404
    try:
        scan = signature.scan.open("rb")
    except FileNotFoundError as missing:
        raise Http404 from missing
    filename = f"{convention.reference}-v{signature.version.number}-{signature.party_id}-signature.pdf"
    response = FileResponse(scan, as_attachment=True, filename=filename, content_type="application/pdf")
    response["Cache-Control"] = "private, no-store"
    return response
