"""Signatures of the approved version: in the portal (consent + password) or recorded from paper.

Every check runs again under the convention's row lock, so two tabs, a replayed POST or two
signatories at the same second cannot record what the rules forbid: one signature per party and
version, in signing order (equal numbers sign in parallel, a higher number waits for all lower
ones), only the party's own representative, only the version being signed. The password check runs
before the lock and outside any savepoint, so django-axes counts every failure even though nothing
else is written.
"""

import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from conventions import render_cache
from conventions.choices import ConventionStatus, LifecycleAction, PartyRole, SignatureMethod
from conventions.models import Convention, ConventionVersion, Party, Signature
from conventions.permissions import ROLE_REFUSALS, represents
from conventions.selectors import signing_states
from ctg_portal.errors import NotAllowed, PortalError
from ctg_portal.pdf_sandbox import PdfUnreadable, inspect_pdf
from workflow.services import lifecycle, notifications

MAX_SCAN_BYTES = 10 * 1024 * 1024


class SignatureRefused(PortalError):
    """The signature (or the decline) cannot be recorded; the message says why."""


class WrongPassword(SignatureRefused):
    pass


class SigningLockedOut(SignatureRefused):
    """Too many wrong passwords: django-axes has locked the account out for a while."""


def _check_password(request, user, password: str) -> None:
    if not password:
        raise WrongPassword(_("Enter your password to sign."))
    authenticated = authenticate(request, username=user.get_username(), password=password)
    if getattr(request, "axes_locked_out", False):
        raise SigningLockedOut(_("Too many wrong passwords: your account is locked for a while. Nothing was signed."))
    if authenticated is None or authenticated.pk != user.pk:
        raise WrongPassword(_("Wrong password: nothing was signed."))


def _party_and_version(convention: Convention, *, party_id, version_id) -> tuple[Party, ConventionVersion]:
    """Common checks of a signature or a decline, under the lock; returns the party and the version."""
    if convention.status != ConventionStatus.IN_SIGNATURE:
        raise SignatureRefused(
            _("This convention is “%(status)s”: it is not open for signature.")
            % {"status": ConventionStatus(convention.status).label}
        )
    version = convention.approved_version
    if str(version.pk) != str(version_id):
        raise SignatureRefused(
            _("The version you opened is no longer the one being signed (now version %(number)s). Reload the page.")
            % {"number": version.number}
        )
    party = (
        convention.parties.select_related("organisation", "representative").filter(pk=party_id).first()
        if str(party_id).isdigit()
        else None
    )
    if party is None:
        raise SignatureRefused(_("This party does not belong to this convention."))
    if party.role != PartyRole.SIGNATORY:
        raise SignatureRefused(_("An associate takes part in the convention but does not sign it."))
    return party, version


def _check_own_party(party: Party, by) -> None:
    if not represents(by, party):
        raise NotAllowed(
            _("You cannot sign for %(organisation)s: only its signing representative can.")
            % {"organisation": party.organisation.display_name}
        )


def _check_may_sign(convention: Convention, *, party_id, version_id, by) -> tuple[Party, ConventionVersion]:
    party, version = _party_and_version(convention, party_id=party_id, version_id=version_id)
    _check_own_party(party, by)
    _check_not_signed_and_turn(convention, party, version)
    return party, version


def _check_may_decline(convention: Convention, *, party_id, version_id, by) -> tuple[Party, ConventionVersion]:
    party, version = _party_and_version(convention, party_id=party_id, version_id=version_id)
    _check_own_party(party, by)
    if Signature.objects.filter(version=version, party=party, voided_at__isnull=True).exists():
        raise SignatureRefused(_("You have already signed this version: you can no longer decline it."))
    return party, version


def _check_may_record_paper(convention: Convention, *, party_id, version_id, by) -> tuple[Party, ConventionVersion]:
    if not convention.get_abilities(by)["record_paper_signature"]:
        if convention.status != ConventionStatus.IN_SIGNATURE:
            _party_and_version(convention, party_id=party_id, version_id=version_id)  # says why
        raise NotAllowed(ROLE_REFUSALS["record_paper_signature"])
    party, version = _party_and_version(convention, party_id=party_id, version_id=version_id)
    _check_not_signed_and_turn(convention, party, version)
    return party, version


_CHECKS = {"sign": _check_may_sign, "decline": _check_may_decline, "paper": _check_may_record_paper}


def signing_refusal(*, convention: Convention, party_id, by, action: str = "sign") -> PortalError | None:
    """Why ``by`` may not now sign for ``party_id`` (``action`` "sign"), decline (“decline”) or
    record its paper signature (“paper”), or ``None`` if they may.

    The pages ask before showing a form, so what they explain is what the services check (again,
    under the lock, with the password and the form's data). A ``NotAllowed`` is about who the user
    is; any other refusal is about the moment (status, turn, already signed).
    """
    version = convention.approved_version
    try:
        _CHECKS[action](convention, party_id=party_id, version_id=version.pk if version else None, by=by)
    except PortalError as error:
        return error
    return None


def _check_not_signed_and_turn(convention: Convention, party: Party, version: ConventionVersion) -> None:
    states = {s.party.pk: s for s in signing_states(convention=convention, version=version)}
    state = states[party.pk]
    if state.is_signed:
        raise SignatureRefused(
            _("%(organisation)s has already signed this version.") % {"organisation": party.organisation.display_name}
        )
    if not state.is_turn:
        waiting_for = sorted(
            {s.party.organisation.display_name for s in states.values() if s.is_turn},
        )
        raise SignatureRefused(
            _("Not yet: signatories of order %(order)s sign after %(others)s.")
            % {"order": party.signing_order, "others": ", ".join(waiting_for)}
        )


def _finish(convention: Convention, signature: Signature, *, by, now, ip_address=None, historical=False) -> None:
    """After a signature: tell the next signatories, or complete the signature if it was the last."""
    states = signing_states(convention=convention, version=signature.version)
    if all(s.is_signed for s in states):
        # Signed when the last signature was made; never dated before the timeline's previous step (a
        # paper signature of the day is stamped at noon, perhaps before that morning's opening).
        last_step = convention.status_changes.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
        completed_at = max(filter(None, [*(s.signature.signed_at for s in states), now, last_step]))
        lifecycle.convention_transition(
            convention=convention,
            action=LifecycleAction.COMPLETE_SIGNATURE,
            by=by,
            version=signature.version,
            now=completed_at,
            ip_address=ip_address,
            historical=historical,
        )
    elif not historical:
        notifications.on_signature(signature, states)


def convention_sign(
    *,
    convention: Convention,
    party_id,
    version_id,
    by,
    request,
    password: str,
    consent: bool,
    now: datetime.datetime | None = None,
) -> Signature:
    """``by`` signs for ``party_id`` the version ``version_id``, having ticked consent and re-entered
    their password. ``request`` gives the IP address and browser kept as evidence, and lets
    django-axes count wrong passwords."""
    now = now or timezone.now()
    # First the checks that need no password, so a refusal says the real reason…
    with transaction.atomic():
        locked = lifecycle.lock_convention(convention)
        _check_may_sign(locked, party_id=party_id, version_id=version_id, by=by)
        if not consent:
            raise SignatureRefused(_("Tick the box to say that you sign this exact version."))
    # …then the password, outside the transaction so that a failure is counted and kept…
    _check_password(request, by, password)
    # …then everything again under the lock, since the world may have moved in between.
    with transaction.atomic():
        locked = lifecycle.lock_convention(convention)
        party, version = _check_may_sign(locked, party_id=party_id, version_id=version_id, by=by)
        signature = Signature.objects.create(
            version=version,
            party=party,
            method=SignatureMethod.ELECTRONIC,
            version_sha256=version.content_sha256,
            representative=party.representative,
            signer_name=party.representative.full_name,
            signer_title=party.representative.title,
            organisation_name=party.organisation.name,
            signed_at=now,
            signer=by,
            ip_address=_client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
            recorded_at=now,
        )
        _finish(locked, signature, by=by, now=now, ip_address=signature.ip_address)
    convention.refresh_from_db()
    return signature


def _client_ip(request) -> str | None:
    # REMOTE_ADDR only: X-Forwarded-For is set by the client unless a trusted proxy rewrites it.
    return request.META.get("REMOTE_ADDR") or None


def convention_decline(
    *,
    convention: Convention,
    party_id,
    version_id,
    by,
    reason: str,
    now: datetime.datetime | None = None,
    ip_address: str | None = None,
) -> None:
    """The party's representative refuses to sign: back to draft, every signature of the version void."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = lifecycle.lock_convention(convention)
        party, version = _check_may_decline(locked, party_id=party_id, version_id=version_id, by=by)
        if not reason:
            raise SignatureRefused(_("Give the reason: the other parties will read it."))
        void_reason = _("Signature declined by %(name)s (%(organisation)s): %(reason)s") % {
            "name": party.representative.full_name,
            "organisation": party.organisation.display_name,
            "reason": reason,
        }
        Signature.objects.filter(version=version, voided_at__isnull=True).update(voided_at=now, void_reason=void_reason)
        render_cache.touch(version.convention_id)  # update() sends no post_save
        lifecycle.convention_transition(
            convention=locked,
            action=LifecycleAction.DECLINE,
            by=by,
            comment=reason,
            version=version,
            party=party,
            now=now,
            ip_address=ip_address,
        )
    convention.refresh_from_db()


def convention_record_paper_signature(
    *,
    convention: Convention,
    party_id,
    version_id,
    by,
    signed_on: datetime.date,
    place: str,
    scan,
    signer_name: str = "",
    signer_title: str = "",
    now: datetime.datetime | None = None,
    ip_address: str | None = None,
    historical: bool = False,
) -> Signature:
    """Staff record that a signatory signed the approved version on paper, with the scanned page.

    ``historical``: a signature made long ago (the demo's 2020 ceremony), told to nobody today."""
    now = now or timezone.now()
    place = (place or "").strip()
    with transaction.atomic():
        locked = lifecycle.lock_convention(convention)
        party, version = _check_may_record_paper(locked, party_id=party_id, version_id=version_id, by=by)
        representative = party.representative
        signer_name = (signer_name or "").strip() or (representative.full_name if representative else "")
        signer_title = (signer_title or "").strip() or (representative.title if representative else "")
        if not signer_name or not signer_title:
            raise SignatureRefused(_("Give the name and title of the person who signed."))
        if not place:
            raise SignatureRefused(_("Give the place where the convention was signed."))
        if not isinstance(signed_on, datetime.date):
            raise SignatureRefused(_("Give the date of the signature."))
        approved_on = timezone.localdate(version.approved_at)
        if signed_on > timezone.localdate(now):
            raise SignatureRefused(_("The date of signature cannot be in the future."))
        if signed_on < approved_on:
            raise SignatureRefused(
                _("The date of signature cannot come before the approval of this version (%(date)s).")
                % {"date": approved_on.strftime("%d/%m/%Y")}
            )
        check_scan(scan)
        # Paper says the day, not the hour: noon, or now for a page signed this morning (never the future).
        signed_at = min(timezone.make_aware(datetime.datetime.combine(signed_on, datetime.time(12, 0))), now)
        signature = Signature(
            version=version,
            party=party,
            method=SignatureMethod.PAPER,
            version_sha256=version.content_sha256,
            representative=representative,
            signer_name=signer_name,
            signer_title=signer_title,
            organisation_name=party.organisation.name,
            signed_at=signed_at,
            place=place,
            recorded_by=by,
            recorded_at=now,
            ip_address=ip_address,  # where it was recorded from: the audit trail shows it
        )
        signature.scan.save("scan.pdf", scan, save=False)
        signature.save()
        _finish(locked, signature, by=by, now=signed_at, ip_address=ip_address, historical=historical)
    convention.refresh_from_db()
    return signature


def check_scan(scan) -> None:
    """A scan must be a readable PDF of at most 10 MB and ``SCAN_MAX_PAGES`` pages.

    Checked by its content, not its name, and read in the PDF sandbox: the file comes from a user.
    """
    if scan is None:
        raise SignatureRefused(_("Attach the scanned signature page (PDF)."))
    if scan.size > MAX_SCAN_BYTES:
        raise SignatureRefused(_("The scan is larger than 10 MB: scan it again at a lower resolution."))
    scan.seek(0)
    data = scan.read(MAX_SCAN_BYTES + 1)
    scan.seek(0)
    if not data.startswith(b"%PDF-"):
        raise SignatureRefused(_("The scan must be a PDF file."))
    max_pages = settings.SCAN_MAX_PAGES
    try:
        report = inspect_pdf(data, max_pages=max_pages)
    except PdfUnreadable as error:
        raise SignatureRefused(str(error)) from error
    if not report.readable:
        raise SignatureRefused(
            _("The scan cannot be read as a PDF (damaged or incomplete file): save or scan the page again.")
        )
    if report.page_count > max_pages:
        raise SignatureRefused(
            _("The scan has %(count)s pages; at most %(max)s are accepted: keep only the signed pages.")
            % {"count": report.page_count, "max": max_pages}
        )
