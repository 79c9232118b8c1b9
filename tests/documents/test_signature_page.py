"""The signature page and the audit trail of a signed convention, read back from the sealed PDF.

One story through the real services: submitted for review at 15:00, approved, opened; the CAF, the
intercommunality and the commune sign in the portal that afternoon; the Préfecture's secretary-general
signs on paper the same day, and the intercommunality's staff record it the next morning with the scan.
"""

import datetime
import hashlib
import io
import re
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pypdf import PdfReader

from conventions.choices import ConventionStatus, GovernanceMemberRole, LifecycleAction
from conventions.models import Convention, Signature
from documents.convention_pdf import build_convention_document, build_convention_html, render_convention_pdf
from documents.pdf_signature import check_pdf_signature
from tests.conventions.factories import GovernanceBodyFactory, GovernanceMemberFactory
from tests.documents.legal_convention import legal_convention
from tests.partners.factories import DEFAULT_PASSWORD, MembershipFactory, UserFactory
from tests.pdfs import SCAN
from tests.workflow.factories import make_ready_for_review
from tests.workflow.test_signing_services import web_request
from workflow.services import lifecycle, signing
from workflow.services.versions import take_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by make install"),
]

RECORDER_IP = "198.51.100.20"
SIGNER_IP = "192.0.2.44"


def paris(*args) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


@pytest.fixture
def signed(settings, tmp_path):
    """The story above; returns (version, paper signature)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    convention = make_ready_for_review(legal_convention())
    convention.signing_place = "Cahors"
    convention.save(update_fields=["signing_place"])
    staff = MembershipFactory(organisation=convention.epci).user
    parties = {party.organisation.kind: party for party in convention.parties.select_related("organisation")}
    officer = MembershipFactory(organisation=parties["caf"].organisation).user
    day = (2025, 12, 2)
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.SUBMIT, by=staff, now=paris(*day, 15, 0), ip_address="192.0.2.1"
    )
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.APPROVE, by=officer, now=paris(*day, 15, 30)
    )
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.OPEN_SIGNATURE, by=staff, now=paris(*day, 16, 0)
    )
    version = convention.approved_version
    for minute, kind in enumerate(("caf", "epci", "commune")):
        party = parties[kind]
        party.representative.user = UserFactory()
        party.representative.save(update_fields=["user"])
        signing.convention_sign(
            convention=convention,
            party_id=party.pk,
            version_id=version.pk,
            by=party.representative.user,
            request=web_request(party.representative.user, ip=SIGNER_IP),
            password=DEFAULT_PASSWORD,
            consent=True,
            now=paris(*day, 17, minute, 5),
        )
    paper = signing.convention_record_paper_signature(
        convention=convention,
        party_id=parties["state_service"].pk,
        version_id=version.pk,
        by=staff,
        signed_on=datetime.date(*day),
        place="Cahors",
        scan=SimpleUploadedFile("page.pdf", SCAN, content_type="application/pdf"),
        now=paris(2025, 12, 3, 9, 30, 12),
        ip_address=RECORDER_IP,
    )
    convention.refresh_from_db()
    assert convention.status == ConventionStatus.SIGNED
    return version, paper


def pdf_text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "signed.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-raw", str(path), "-"], capture_output=True, text=True, check=True).stdout
    # Hyphenated line ends joined; French typography's no-break spaces and curly apostrophes made plain.
    text = text.replace("\u2010\n", "").replace("\u202f", " ").replace("\xa0", " ").replace("\u2019", "'")
    return " ".join(text.split())


@pytest.fixture
def document(signed, tmp_path):
    version, paper = signed
    pdf = render_convention_pdf(version, signed=True)
    text = pdf_text(pdf, tmp_path)
    return pdf, text[text.rindex("Journal de preuve") :], text[: text.rindex("Journal de preuve")], paper


def test_the_signature_page_says_where_when_and_in_how_many_copies(document):
    _pdf, _trail, text, _paper = document
    signature_page = text[text.rindex("Signatures") :]
    assert "Fait à Cahors, le 3 décembre 2025, en quatre exemplaires originaux." not in signature_page
    # The convention is signed when its last signature is: the paper one, dated 2 December.
    assert "Fait à Cahors, le 2 décembre 2025, en quatre exemplaires originaux." in signature_page


def test_one_block_per_signatory_agrees_with_the_organisation_and_the_person(document):
    _pdf, _trail, text, _paper = document
    signature_page = text[text.rindex("Signatures") :]
    assert (
        "La Caisse d'allocations familiales du Lot, représentée par Mme Catherine Prunet, sa Directrice"
        in signature_page
    )
    assert (
        "La Communauté d'agglomération du Grand Essai, représentée par M. Jean Dupont, son Président" in signature_page
    )
    assert (
        "La Préfecture du Lot, représentée par M. Paul Martin, son Secrétaire général, pour le préfet et par "
        "délégation" in signature_page
    )
    assert "représentée par Mme Lucie Roques, sa Maire" in signature_page
    assert "(e)" not in signature_page
    assert signature_page.count("Signature électronique dans le Portail CTG, le 2 décembre 2025 à 17:") == 3
    assert "le 2 décembre 2025 à 17:00:05 (heure de Paris, UTC+1)" in signature_page


def test_a_paper_signature_says_the_pdf_is_a_copy_and_where_the_original_is(document):
    _pdf, _trail, text, paper = document
    signature_page = text[text.rindex("Signatures") :]
    assert (
        "Signature manuscrite sur papier, à Cahors, le 2 décembre 2025 (date portée sur l'original ; heure non connue)."
        in signature_page
    )
    assert "Le présent PDF est une copie de l'original papier signé." in signature_page
    assert "Les originaux papier sont conservés par les signataires, chacun le sien" in signature_page
    assert "signature-4-prefecture-du-lot.pdf" in signature_page
    assert hashlib.sha256(SCAN).hexdigest() in signature_page.replace(" ", "")
    assert (
        "Signature enregistrée dans le portail le 3 décembre 2025 à 09:30:12 (heure de Paris, UTC+1) par "
        f"{paper.recorded_by.get_full_name()}, depuis l'adresse IP {RECORDER_IP}." in signature_page
    )


def test_the_scan_is_an_associated_file_of_the_sealed_pdf_with_its_sha256(document):
    pdf, _trail, _text, _paper = document
    assert check_pdf_signature(pdf).authentic
    reader = PdfReader(io.BytesIO(pdf))
    catalog = reader.trailer["/Root"]
    associated = [reference.get_object() for reference in catalog["/AF"]]
    assert [spec["/UF"] for spec in associated] == ["signature-4-prefecture-du-lot.pdf"]
    spec = associated[0]
    assert spec["/AFRelationship"] == "/Source"
    assert "Paul Martin" in spec["/Desc"]
    stream = spec["/EF"]["/F"].get_object()
    assert stream["/Subtype"] == "/application/pdf"
    assert stream["/Params"]["/ModDate"].startswith("D:20251203083012")  # 09:30:12 in Paris is 08:30:12 UTC
    assert stream.get_data() == SCAN
    assert hashlib.sha256(stream.get_data()).hexdigest() == hashlib.sha256(SCAN).hexdigest()
    assert list(reader.attachments) == ["signature-4-prefecture-du-lot.pdf"]


def test_the_audit_trail_lists_events_as_recorded_with_the_claimed_paper_date_and_the_zone(document):
    _pdf, trail, _text, paper = document
    assert "Les heures sont celles de Paris (Europe/Paris) : UTC+1 en hiver, UTC+2 en été." in trail
    submitted = trail.index("Soumise à la relecture")
    electronic = trail.index("Signature de Catherine Prunet")
    on_paper = trail.index("Signature de Paul Martin")
    completed = trail.index("Signée par tous les signataires")
    # The paper was dated 2 December (noon, as the workflow stores it) but recorded on 3 December at 09:30:12.
    assert submitted < electronic < on_paper < completed
    assert "12:00:00" not in trail
    assert re.search(r"03/12/2025 09:30:12 UTC\+1 Signature de Paul Martin", trail)
    assert "Signée sur papier le 2 décembre 2025 (date portée sur l'original ; sans heure)" in trail
    assert RECORDER_IP in trail[on_paper:completed]
    assert paper.recorded_by.get_full_name() in trail[on_paper:completed]
    assert re.search(r"02/12/2025 15:00:00 UTC\+1 Soumise à la relecture", trail)


def test_a_paper_scan_missing_from_storage_stops_the_document(signed):
    version, paper = signed
    paper.scan.storage.delete(paper.scan.name)
    with pytest.raises(OSError):
        build_convention_document(version, signed=True)


def test_building_the_signed_document_returns_the_scan_it_prints(signed, django_assert_max_num_queries):
    version, _paper = signed
    version.refresh_from_db()
    with django_assert_max_num_queries(5):
        html, attachments = build_convention_document(version, signed=True)
    assert [attachment["sha256"] for attachment in attachments] == [hashlib.sha256(SCAN).hexdigest()]
    assert attachments[0]["sha256"] in html
    assert Signature.objects.filter(version=version).count() == 4


def test_a_governance_role_agrees_with_the_person_or_names_the_function():
    """Beside a named person, « Présidente » or « Président » from the civility frozen for that
    signatory; for a member whose civility the version does not know, the function: « Présidence »."""
    convention = legal_convention()
    parties = {party.organisation.kind: party for party in convention.parties.select_related("organisation")}
    copil = GovernanceBodyFactory(convention=convention)
    caf, epci = parties["caf"].representative, parties["epci"].representative
    GovernanceMemberFactory(body=copil, representative=caf, role=GovernanceMemberRole.CHAIR)
    GovernanceMemberFactory(body=copil, representative=epci, role=GovernanceMemberRole.CO_CHAIR)
    cotech = GovernanceBodyFactory(convention=convention, technical=True)
    GovernanceMemberFactory(body=cotech, representative__full_name="Camille Tiers", role=GovernanceMemberRole.CHAIR)
    html = build_convention_html(take_version(convention=convention, by=UserFactory()), signed=False)
    assert "<td>Présidente</td>" in html
    assert "<td>Coprésident</td>" in html
    assert "<td>Présidence</td>" in html
    assert "(e)" not in html


def test_an_entry_into_force_brought_by_a_paper_signature_follows_it_with_the_day_it_takes_effect(signed, tmp_path):
    """The calendar dates the entry into force from the completion (noon of the paper's day), which was
    recorded the next morning: the trail places it after the signatures and says the day it takes effect."""
    version, _paper = signed
    convention = version.convention
    Convention.objects.filter(pk=convention.pk).update(period_start=datetime.date(2025, 1, 1))
    convention.refresh_from_db()
    (change,) = lifecycle.catch_up_calendar(convention, today=datetime.date(2025, 12, 10))
    assert change.action == LifecycleAction.ENTER_INTO_FORCE
    trail = pdf_text(render_convention_pdf(version, signed=True), tmp_path)
    trail = trail[trail.rindex("Journal de preuve") :]
    completed = trail.index("Signée par tous les signataires")
    in_force = trail.index("Entrée en vigueur")
    assert trail.index("Signature de Paul Martin") < completed < in_force
    assert "Prend effet le 2 décembre 2025" in trail[in_force:]
    assert re.search(r"03/12/2025 09:30:12 UTC\+1 Entrée en vigueur", trail)
