"""Signing services: in the portal (consent + password), declining, paper signatures, scans."""

import datetime

import pytest
from axes.models import AccessAttempt
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.utils import timezone, translation

from conventions import selectors
from conventions.choices import ConventionStatus, LifecycleAction, SignatureMethod
from conventions.models import Signature, StatusChange
from ctg_portal.errors import NotAllowed
from tests.conventions.factories import ConventionFactory, PartyFactory, force_status
from tests.partners.factories import DEFAULT_PASSWORD, MembershipFactory, OrganisationFactory, UserFactory
from tests.pdfs import SCAN, pdf_of_size
from workflow.services import signing
from workflow.services.versions import take_version

pytestmark = pytest.mark.django_db

PDF = SCAN  # a readable one-page PDF: scans are parsed (in the PDF sandbox)
IP = "203.0.113.7"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Chromium/131"


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def english():
    """Refusals are matched on their msgid; the pages' tests check the French."""
    with translation.override("en"):
        yield


def web_request(user, ip: str = IP, agent: str = BROWSER):
    """A request as the signing page receives it: a session, the client's address and browser."""
    request = RequestFactory().post("/", REMOTE_ADDR=ip, HTTP_USER_AGENT=agent)
    SessionMiddleware(lambda r: None).process_request(request)
    request.session.save()
    request.user = user
    return request


class Signing:
    """A convention being signed: parties with the given signing orders, each represented by its own
    user; the intercommunality's staff; an associate."""

    def __init__(self, orders=(1, 2), *, open_signature: bool = True, approved_at=None):
        self.convention = ConventionFactory()
        self.parties = []
        for order in orders:
            party = PartyFactory(
                convention=self.convention,
                organisation=OrganisationFactory(commune=True) if self.parties else OrganisationFactory(caf=True),
                signing_order=order,
                representative__user=UserFactory(),
            )
            self.parties.append(party)
        self.associate = PartyFactory(convention=self.convention, associate=True)
        self.staff = MembershipFactory(organisation=self.convention.epci).user
        if approved_at is not None:
            self.convention.approved_version = take_version(
                convention=self.convention, by=UserFactory(), now=approved_at
            )
        force_status(self.convention, ConventionStatus.IN_SIGNATURE if open_signature else ConventionStatus.APPROVED)
        self.convention.refresh_from_db()

    @property
    def version(self):
        return self.convention.approved_version

    def user(self, index: int):
        return self.parties[index].representative.user

    def sign(self, index: int, *, by=None, version=None, password=DEFAULT_PASSWORD, consent=True, **kwargs):
        by = by or self.user(index)
        return signing.convention_sign(
            convention=self.convention,
            party_id=self.parties[index].pk,
            version_id=(version or self.version).pk,
            by=by,
            request=kwargs.pop("request", None) or web_request(by),
            password=password,
            consent=consent,
            **kwargs,
        )

    def decline(self, index: int, *, reason="Le montant du financement de l'article 4 est faux.", by=None):
        signing.convention_decline(
            convention=self.convention,
            party_id=self.parties[index].pk,
            version_id=self.version.pk,
            by=by or self.user(index),
            reason=reason,
            ip_address=IP,
        )

    def record_paper(self, index: int, *, signed_on=None, scan=None, by=None, place="Cahors", **kwargs):
        return signing.convention_record_paper_signature(
            convention=self.convention,
            party_id=self.parties[index].pk,
            version_id=kwargs.pop("version_id", None) or self.version.pk,
            by=by or self.staff,
            signed_on=signed_on or timezone.localdate(),
            place=place,
            scan=scan if scan is not None else pdf_upload(),
            **kwargs,
        )


def pdf_upload(content: bytes = PDF, name: str = "signature.pdf"):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def valid_signatures(version):
    return Signature.objects.filter(version=version, voided_at__isnull=True)


# --- Signing in the portal ---------------------------------------------------------------------------


def test_signing_keeps_the_evidence():
    story = Signing(orders=(1, 2))
    party = story.parties[0]
    before = timezone.now()

    signature = story.sign(0)

    signature.refresh_from_db()
    assert signature.method == SignatureMethod.ELECTRONIC
    assert signature.signer == story.user(0)
    assert signature.representative == party.representative
    assert signature.signer_name == party.representative.full_name
    assert signature.signer_title == "Directrice"
    assert signature.organisation_name == party.organisation.name
    assert signature.signed_at >= before
    assert signature.ip_address == IP
    assert signature.user_agent == BROWSER
    assert signature.version_sha256 == story.version.content_sha256
    assert signature.version == story.version
    assert signature.voided_at is None


def test_a_signature_that_leaves_others_to_sign_keeps_the_convention_in_signature():
    story = Signing(orders=(1, 2))
    story.sign(0)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE
    assert story.convention.signed_version is None


def test_the_last_signature_completes_the_convention():
    story = Signing(orders=(1, 2))
    version = story.version
    story.sign(0)

    story.sign(1)

    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED
    assert story.convention.signed_version == version
    assert story.convention.approved_version is None
    completion = StatusChange.objects.get(convention=story.convention, action=LifecycleAction.COMPLETE_SIGNATURE)
    assert completion.version == version
    assert completion.to_status == ConventionStatus.SIGNED
    assert completion.ip_address == IP  # where the last signatory signed from


def test_equal_orders_sign_in_parallel_and_the_next_round_waits_for_both():
    story = Signing(orders=(1, 1, 2))

    with pytest.raises(signing.SignatureRefused, match="Not yet"):
        story.sign(2)
    story.sign(1)  # the second of round 1 may sign first
    with pytest.raises(signing.SignatureRefused, match="Not yet"):
        story.sign(2)
    story.sign(0)
    story.sign(2)

    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED
    assert valid_signatures(story.convention.signed_version).count() == 3


def test_signing_out_of_order_is_refused_and_says_who_signs_first():
    story = Signing(orders=(1, 2))
    with pytest.raises(signing.SignatureRefused) as refused:
        story.sign(1)
    assert story.parties[0].organisation.display_name in str(refused.value)
    assert not Signature.objects.exists()


def test_signing_twice_is_refused():
    story = Signing(orders=(1, 2))
    story.sign(0)
    with pytest.raises(signing.SignatureRefused, match="already signed"):
        story.sign(0)
    assert Signature.objects.count() == 1


def test_replaying_the_same_signing_request_records_nothing_more():
    story = Signing(orders=(1, 2))
    request = web_request(story.user(0))
    story.sign(0, request=request)
    with pytest.raises(signing.SignatureRefused):
        story.sign(0, request=request)
    assert Signature.objects.count() == 1


def test_signing_someone_elses_part_is_refused():
    story = Signing(orders=(1, 1))
    with pytest.raises(NotAllowed, match="only its signing representative"):
        story.sign(1, by=story.user(0))
    assert not Signature.objects.exists()


def test_the_intercommunalitys_staff_cannot_sign_for_a_party():
    story = Signing(orders=(1,))
    with pytest.raises(NotAllowed):
        story.sign(0, by=story.staff)
    assert not Signature.objects.exists()


def test_an_associate_never_signs():
    story = Signing(orders=(1,))
    user = UserFactory()
    with pytest.raises(signing.SignatureRefused, match="associate"):
        signing.convention_sign(
            convention=story.convention,
            party_id=story.associate.pk,
            version_id=story.version.pk,
            by=user,
            request=web_request(user),
            password=DEFAULT_PASSWORD,
            consent=True,
        )
    assert not Signature.objects.exists()


def test_a_party_of_another_convention_is_refused():
    story = Signing(orders=(1,))
    other = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="does not belong"):
        signing.convention_sign(
            convention=story.convention,
            party_id=other.parties[0].pk,
            version_id=story.version.pk,
            by=other.user(0),
            request=web_request(other.user(0)),
            password=DEFAULT_PASSWORD,
            consent=True,
        )
    assert not Signature.objects.exists()


def test_signing_without_consent_is_refused_before_the_password_is_checked():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="Tick the box"):
        story.sign(0, consent=False, password="wrong")
    assert not Signature.objects.exists()
    assert not AccessAttempt.objects.exists()


def test_signing_before_the_signature_is_opened_is_refused():
    story = Signing(orders=(1,), open_signature=False)
    with pytest.raises(signing.SignatureRefused, match="“Approved”: it is not open for signature"):
        story.sign(0)
    assert not Signature.objects.exists()


def test_signing_after_a_decline_is_refused():
    story = Signing(orders=(1, 1))
    version = story.version
    story.decline(1)
    with pytest.raises(signing.SignatureRefused, match="“Draft”: it is not open for signature"):
        story.sign(0, version=version)
    assert not valid_signatures(version).exists()


def test_signing_a_signed_convention_is_refused():
    story = Signing(orders=(1,))
    version = story.version
    story.sign(0)
    story.convention.refresh_from_db()
    assert story.convention.signed_version == version
    # Signed, and since its period has begun, in force: the calendar's status is the one named.
    with pytest.raises(signing.SignatureRefused, match="“In force”: it is not open for signature"):
        story.sign(0, version=version)
    assert Signature.objects.count() == 1


def test_a_version_that_is_no_longer_the_one_being_signed_is_refused():
    """A stale tab: the page showed version 1, then someone declined and version 2 was approved."""
    story = Signing(orders=(1, 2))
    old_version = story.version
    story.decline(0)
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)  # re-approved: version 2
    story.convention.refresh_from_db()
    assert story.version.number == 2

    with pytest.raises(signing.SignatureRefused, match="no longer the one being signed"):
        story.sign(0, version=old_version)

    assert not valid_signatures(old_version).exists()
    assert not valid_signatures(story.version).exists()
    story.sign(0)  # the current version can be signed
    assert valid_signatures(story.version).count() == 1


# --- Passwords and lockout -----------------------------------------------------------------------------


def test_a_wrong_password_is_refused_counted_and_records_nothing():
    story = Signing(orders=(1,))
    with pytest.raises(signing.WrongPassword, match="Wrong password"):
        story.sign(0, password="not-my-password")
    assert not Signature.objects.exists()
    attempt = AccessAttempt.objects.get(username=story.user(0).username)
    assert attempt.failures_since_start == 1
    assert attempt.ip_address == IP
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


def test_an_empty_password_is_refused():
    story = Signing(orders=(1,))
    with pytest.raises(signing.WrongPassword, match="Enter your password"):
        story.sign(0, password="")
    assert not Signature.objects.exists()


def test_repeated_wrong_passwords_lock_the_account_and_the_right_one_is_then_refused(settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    story = Signing(orders=(1,))
    for _attempt in range(4):
        with pytest.raises(signing.WrongPassword):
            story.sign(0, password="not-my-password")

    with pytest.raises(signing.SigningLockedOut, match="locked"):
        story.sign(0, password="not-my-password")
    with pytest.raises(signing.SigningLockedOut):
        story.sign(0)  # the right password

    assert AccessAttempt.objects.get(username=story.user(0).username).failures_since_start >= 5
    assert not Signature.objects.exists()


def test_wrong_passwords_of_another_signatory_do_not_lock_this_one():
    story = Signing(orders=(1, 1))
    for _attempt in range(5):
        with pytest.raises(signing.SignatureRefused):
            story.sign(1, password="not-my-password")
    story.sign(0)
    assert Signature.objects.filter(party=story.parties[0]).exists()


# --- Declining -----------------------------------------------------------------------------------------


def test_declining_voids_every_signature_and_sends_the_convention_back_to_draft():
    story = Signing(orders=(1, 1, 2))
    version = story.version
    first, second = story.sign(0), story.sign(1)

    story.decline(2, reason="Le montant de l'article 4 ne correspond pas à la délibération.")

    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.DRAFT
    assert story.convention.approved_version is None
    for signature in (first, second):
        signature.refresh_from_db()
        assert signature.voided_at is not None
        assert story.parties[2].organisation.display_name in signature.void_reason
        assert "article 4" in signature.void_reason
    assert Signature.objects.filter(version=version).count() == 2  # kept in the history
    change = StatusChange.objects.get(convention=story.convention, action=LifecycleAction.DECLINE)
    assert change.comment == "Le montant de l'article 4 ne correspond pas à la délibération."
    assert change.party == story.parties[2]
    assert change.actor == story.user(2)
    assert change.ip_address == IP
    assert change.version == version
    assert change.from_status == ConventionStatus.IN_SIGNATURE
    assert change.to_status == ConventionStatus.DRAFT


def test_a_signatory_may_decline_before_their_turn():
    story = Signing(orders=(1, 2))
    story.decline(1)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.DRAFT


def test_declining_after_having_signed_is_refused():
    story = Signing(orders=(1, 2))
    story.sign(0)
    with pytest.raises(signing.SignatureRefused, match="can no longer decline"):
        story.decline(0)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE
    assert valid_signatures(story.version).count() == 1


def test_declining_needs_a_reason():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="Give the reason"):
        story.decline(0, reason="   ")
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE
    assert not StatusChange.objects.filter(action=LifecycleAction.DECLINE).exists()


def test_declining_someone_elses_part_is_refused():
    story = Signing(orders=(1, 1))
    with pytest.raises(NotAllowed):
        story.decline(1, by=story.user(0))
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.IN_SIGNATURE


# --- Paper signatures ------------------------------------------------------------------------------------


def test_staff_record_a_paper_signature():
    story = Signing(orders=(1, 2))
    party = story.parties[0]

    signature = story.record_paper(0, place="Cahors")

    signature.refresh_from_db()
    assert signature.method == SignatureMethod.PAPER
    assert signature.place == "Cahors"
    assert signature.recorded_by == story.staff
    assert signature.signer is None
    assert signature.signer_name == party.representative.full_name
    assert signature.signer_title == party.representative.title
    assert signature.version_sha256 == story.version.content_sha256
    assert signature.signed_at <= timezone.now()
    assert timezone.localdate(signature.signed_at) == timezone.localdate()
    with signature.scan.open("rb") as scan:
        assert scan.read() == PDF


def test_a_paper_signature_keeps_the_name_and_title_written_on_the_page():
    story = Signing(orders=(1,))
    signature = story.record_paper(0, signer_name="Martine Delpech", signer_title="Vice-présidente")
    assert (signature.signer_name, signature.signer_title) == ("Martine Delpech", "Vice-présidente")


def test_a_past_paper_signature_is_dated_noon_of_its_day_and_so_is_the_completion():
    story = Signing(orders=(1,), approved_at=timezone.now() - datetime.timedelta(days=10))
    day = timezone.localdate() - datetime.timedelta(days=3)

    signature = story.record_paper(0, signed_on=day)

    noon = timezone.make_aware(datetime.datetime.combine(day, datetime.time(12, 0)))
    assert signature.signed_at == noon
    assert signature.recorded_at > noon
    completion = StatusChange.objects.get(convention=story.convention, action=LifecycleAction.COMPLETE_SIGNATURE)
    assert completion.occurred_at == noon


def test_completion_by_paper_signs_the_convention():
    story = Signing(orders=(1, 2))
    version = story.version
    story.sign(0)
    story.record_paper(1)
    story.convention.refresh_from_db()
    assert story.convention.status == ConventionStatus.SIGNED
    assert story.convention.signed_version == version


def test_a_scan_that_is_not_a_pdf_is_refused_whatever_its_name():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="must be a PDF"):
        story.record_paper(0, scan=pdf_upload(b"\x89PNG\r\n\x1a\n not a pdf", name="signature.pdf"))
    assert not Signature.objects.exists()


def test_a_scan_over_10_mb_is_refused():
    story = Signing(orders=(1,))
    too_big = PDF + b"0" * (signing.MAX_SCAN_BYTES + 1 - len(PDF))
    with pytest.raises(signing.SignatureRefused, match="10 MB"):
        story.record_paper(0, scan=pdf_upload(too_big))
    assert not Signature.objects.exists()


def test_a_scan_of_exactly_10_mb_is_accepted():
    story = Signing(orders=(1,))
    exactly = pdf_of_size(signing.MAX_SCAN_BYTES)
    assert story.record_paper(0, scan=pdf_upload(exactly)).scan.size == signing.MAX_SCAN_BYTES


def test_a_missing_scan_is_refused():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="Attach the scanned"):
        signing.convention_record_paper_signature(
            convention=story.convention,
            party_id=story.parties[0].pk,
            version_id=story.version.pk,
            by=story.staff,
            signed_on=timezone.localdate(),
            place="Cahors",
            scan=None,
        )
    assert not Signature.objects.exists()


def test_a_paper_signature_dated_in_the_future_is_refused():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="future"):
        story.record_paper(0, signed_on=timezone.localdate() + datetime.timedelta(days=1))
    assert not Signature.objects.exists()


def test_a_paper_signature_dated_before_the_approval_is_refused():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="before the approval"):
        story.record_paper(0, signed_on=timezone.localdate(story.version.approved_at) - datetime.timedelta(days=1))
    assert not Signature.objects.exists()


def test_a_paper_signature_needs_its_place():
    story = Signing(orders=(1,))
    with pytest.raises(signing.SignatureRefused, match="place"):
        story.record_paper(0, place="  ")
    assert not Signature.objects.exists()


def test_a_paper_signature_out_of_order_is_refused():
    story = Signing(orders=(1, 2))
    with pytest.raises(signing.SignatureRefused, match="Not yet"):
        story.record_paper(1)
    assert not Signature.objects.exists()


def test_a_paper_signature_of_a_party_that_signed_is_refused():
    story = Signing(orders=(1, 2))
    story.sign(0)
    with pytest.raises(signing.SignatureRefused, match="already signed"):
        story.record_paper(0)
    assert Signature.objects.count() == 1


def test_only_the_intercommunalitys_staff_record_paper_signatures():
    story = Signing(orders=(1,))
    officer = MembershipFactory(organisation=story.parties[0].organisation).user
    for user in (officer, story.user(0), UserFactory(is_superuser=True)):
        with pytest.raises(NotAllowed, match="staff"):
            story.record_paper(0, by=user)
    assert not Signature.objects.exists()


def test_a_paper_signature_on_a_stale_version_is_refused():
    story = Signing(orders=(1,))
    old_version = story.version
    story.decline(0)
    force_status(story.convention, ConventionStatus.IN_SIGNATURE)
    story.convention.refresh_from_db()
    with pytest.raises(signing.SignatureRefused, match="no longer the one being signed"):
        story.record_paper(0, version_id=old_version.pk)
    assert not Signature.objects.exists()


def test_a_paper_signature_before_the_signature_is_opened_says_why():
    story = Signing(orders=(1,), open_signature=False)
    with pytest.raises(signing.SignatureRefused, match="not open for signature"):
        story.record_paper(0)


# --- What the pages ask before showing a form ------------------------------------------------------------


def test_signing_refusal_agrees_with_the_service():
    story = Signing(orders=(1, 2))
    convention, (first, second) = story.convention, story.parties

    assert signing.signing_refusal(convention=convention, party_id=first.pk, by=story.user(0)) is None
    assert isinstance(signing.signing_refusal(convention=convention, party_id=first.pk, by=story.user(1)), NotAllowed)
    waiting = signing.signing_refusal(convention=convention, party_id=second.pk, by=story.user(1))
    assert isinstance(waiting, signing.SignatureRefused) and "Not yet" in str(waiting)
    assert (
        signing.signing_refusal(convention=convention, party_id=second.pk, by=story.user(1), action="decline") is None
    )
    assert signing.signing_refusal(convention=convention, party_id=first.pk, by=story.staff, action="paper") is None
    assert isinstance(
        signing.signing_refusal(convention=convention, party_id=first.pk, by=story.user(0), action="paper"), NotAllowed
    )

    story.sign(0)
    convention.refresh_from_db()
    assert "already signed" in str(signing.signing_refusal(convention=convention, party_id=first.pk, by=story.user(0)))
    assert "no longer decline" in str(
        signing.signing_refusal(convention=convention, party_id=first.pk, by=story.user(0), action="decline")
    )
    assert signing.signing_refusal(convention=convention, party_id=second.pk, by=story.user(1)) is None


def test_signing_states_give_the_turn_round_by_round():
    story = Signing(orders=(1, 1, 2))
    states = selectors.signing_states(convention=story.convention)
    assert [(s.party, s.is_turn, s.is_waiting) for s in states] == [
        (story.parties[0], True, False),
        (story.parties[1], True, False),
        (story.parties[2], False, True),
    ]
    story.sign(0)
    story.sign(1)
    states = selectors.signing_states(convention=story.convention)
    assert [(s.is_signed, s.is_turn) for s in states] == [(True, False), (True, False), (False, True)]
    assert story.convention.get_abilities(story.user(2))["sign"] is True
    assert story.convention.get_abilities(story.user(0))["sign"] is False
