"""Verification of the PDFs the portal issues: ``verify_pdf``, the page and ``manage.py verify_document``."""

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone, translation

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus
from conventions.models import GeneratedDocument
from documents import verification
from documents.pdf_signature import sign_pdf
from documents.services.render import document_generate_now
from documents.verification import Verdict, details_visible, verify_pdf
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, MeetingFactory
from tests.partners.factories import MembershipFactory, UserFactory
from workflow.services.versions import take_version

pytestmark = pytest.mark.django_db

# Session, user, the document by digest (with its convention, version and meeting), the later version,
# whether a signed copy exists, and the visibility check.
VERIFY_MAX_QUERIES = 9


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def keywords(*, reference, number, sha256, kind=DocumentKind.SIGNED_CONVENTION):
    return f"ctg-reference={reference}; ctg-version={number}; ctg-version-sha256={sha256}; ctg-kind={kind}"


def portal_pdf(version=None, *, kind=DocumentKind.SIGNED_CONVENTION, text="Texte de la convention.", meeting=None):
    """A small PDF made the way the portal issues them: metadata keywords, then the portal's seal."""
    from weasyprint import HTML

    if meeting is not None:
        words = f"ctg-reference={meeting.body.convention.reference}; ctg-meeting={meeting.pk}; ctg-kind={kind}"
    else:
        words = keywords(
            reference=version.convention.reference, number=version.number, sha256=version.content_sha256, kind=kind
        )
    html = (
        f'<html><head><title>Convention</title><meta name="keywords" content="{words}"></head>'
        f"<body><h1>Convention territoriale globale</h1><p>{text}</p></body></html>"
    )
    return sign_pdf(HTML(string=html).write_pdf())


def issue(data, *, version=None, kind=DocumentKind.SIGNED_CONVENTION, meeting=None, convention=None):
    """The portal's record of an issued PDF, as the document services leave it once ready."""
    document = GeneratedDocument(
        convention=convention or version.convention,
        kind=kind,
        version=version,
        meeting=meeting,
        status=DocumentStatus.READY,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        page_count=1,
        finished_at=timezone.now(),
    )
    document.file.save("document.pdf", ContentFile(data), save=False)
    document.save()
    return document


@pytest.fixture
def signed():
    """A signed convention, its version, and the issued signed PDF of that version."""
    convention = ConventionFactory(status=ConventionStatus.SIGNED)
    version = convention.signed_version
    data = portal_pdf(version)
    return convention, version, data, issue(data, version=version)


def one_byte_changed(data: bytes) -> bytes:
    tampered = bytearray(data)
    position = len(data) // 3  # inside the signed content, far from the signature's own bytes
    tampered[position] = (tampered[position] + 1) % 256
    return bytes(tampered)


# --- verify_pdf -------------------------------------------------------------------------------------


def test_an_exact_copy_is_authentic_with_its_convention_version_and_date(signed):
    convention, version, data, document = signed
    result = verify_pdf(data)
    assert result.verdict == Verdict.AUTHENTIC and result.exit_code == 0
    assert result.registered
    assert result.document == document
    assert (result.convention, result.version, result.kind) == (convention, version, DocumentKind.SIGNED_CONVENTION)
    assert result.sha256 == hashlib.sha256(data).hexdigest() == document.sha256
    assert result.signature.authentic
    assert result.issued_at == document.finished_at
    assert result.later_version is None and result.later_signed_version is None


def test_a_copy_with_one_changed_byte_is_modified_and_still_names_what_it_claims(signed):
    convention, version, data, _document = signed
    result = verify_pdf(one_byte_changed(data))
    assert result.verdict == Verdict.MODIFIED and result.exit_code == 1
    assert not result.registered and result.document is None
    assert result.signature.signed and not result.signature.intact
    assert result.claimed.reference == convention.reference
    assert (result.claimed.version_number, result.claimed.version_sha256) == (version.number, version.content_sha256)
    assert (result.convention, result.version) == (convention, version)


def test_bytes_appended_after_the_seal_are_modified_and_the_original_is_found(signed):
    _convention, version, data, document = signed
    result = verify_pdf(data + b"\n% a note added later\n")
    assert result.verdict == Verdict.MODIFIED
    assert result.signature.intact and not result.signature.whole_file
    # The sealed revision is the original file: its digest names the issued document.
    assert result.document == document and not result.registered
    assert result.version == version


def test_a_sealed_copy_no_longer_on_record_is_still_authentic(signed):
    """A document rendered again replaces its digest: an older copy keeps the portal's intact seal."""
    _convention, version, data, document = signed
    GeneratedDocument.objects.filter(pk=document.pk).update(sha256="0" * 64)
    result = verify_pdf(data)
    assert result.verdict == Verdict.AUTHENTIC and not result.registered
    assert result.version == version  # from the metadata, which the intact seal vouches for
    assert result.issued_at == result.signature.signed_at


def test_a_pdf_the_portal_did_not_issue(signed):
    from weasyprint import HTML

    result = verify_pdf(HTML(string="<p>Une autre convention</p>").write_pdf())
    assert result.verdict == Verdict.NOT_ISSUED and result.exit_code == 1
    assert result.convention is None and not result.signature.signed


def test_a_pdf_claiming_a_known_convention_without_the_seal_is_modified(signed):
    from weasyprint import HTML

    convention, version, _data, _document = signed
    words = keywords(reference=convention.reference, number=version.number, sha256="f" * 64)
    fake = HTML(string=f'<html><head><meta name="keywords" content="{words}"></head><p>Faux</p></html>').write_pdf()
    result = verify_pdf(fake)
    assert result.verdict == Verdict.MODIFIED
    assert result.version == version and result.claim_mismatch


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"PK\x03\x04 this is a zip file", "not a PDF"),
        (b"%PDF-1.7\n garbage that is not a PDF structure", None),
    ],
)
def test_bad_input_never_raises(data, message):
    with translation.override("en"):
        result = verify_pdf(data)
    if message:
        assert result.verdict == Verdict.UNREADABLE and result.exit_code == 2
        assert message in result.message
    else:
        assert result.verdict == Verdict.NOT_ISSUED and not result.signature.signed


def test_a_file_over_the_limit_is_refused_before_anything_else(monkeypatch):
    monkeypatch.setattr(verification, "MAX_BYTES", 100)
    with translation.override("en"):
        result = verify_pdf(b"%PDF-1.7\n" + b"0" * 200)
    assert result.verdict == Verdict.UNREADABLE and "larger than" in result.message and result.sha256 == ""


def test_a_later_version_and_a_newer_signed_text_are_reported(signed):
    convention, version, data, _document = signed
    newer = take_version(convention=convention, by=UserFactory())
    result = verify_pdf(data)
    assert result.authentic and result.later_version == newer and result.later_signed_version is None
    convention.signed_version = newer
    convention.save()
    result = verify_pdf(data)
    assert result.later_version == newer and result.later_signed_version == newer


def test_a_draft_document_knows_the_signed_copy_of_its_version(signed):
    _convention, version, _data, _document = signed
    draft = portal_pdf(version, kind=DocumentKind.CONVENTION, text="Projet")
    issue(draft, version=version, kind=DocumentKind.CONVENTION)
    result = verify_pdf(draft)
    assert result.authentic and result.kind == DocumentKind.CONVENTION and result.signed_copy_exists


def test_a_copil_report_names_its_meeting(signed):
    convention, _version, _data, _document = signed
    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=convention))
    data = portal_pdf(kind=DocumentKind.COPIL_REPORT, meeting=meeting)
    issue(data, kind=DocumentKind.COPIL_REPORT, meeting=meeting, convention=convention)
    assert verify_pdf(data).meeting == meeting
    tampered = verify_pdf(one_byte_changed(data))
    assert tampered.modified and tampered.meeting == meeting and tampered.convention == convention


def test_details_are_visible_only_to_who_may_see_the_convention(signed):
    convention, _version, data, _document = signed
    result = verify_pdf(data)
    assert details_visible(result, MembershipFactory(organisation=convention.epci).user)
    assert not details_visible(result, UserFactory())
    assert details_visible(verify_pdf(b"not a pdf"), UserFactory())


def test_a_document_rendered_by_the_document_services_verifies():
    """End to end: the real renderer and services, then the verification of the stored file."""
    convention = ConventionFactory(status=ConventionStatus.APPROVED)
    document = document_generate_now(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.approved_version
    )
    assert document.status == DocumentStatus.READY, document.error
    with document.file.open("rb") as handle:
        data = handle.read()
    result = verify_pdf(data)
    assert result.authentic and result.registered and result.document == document
    assert result.version == convention.approved_version and result.kind == DocumentKind.CONVENTION
    tampered = verify_pdf(one_byte_changed(data))
    assert tampered.modified and tampered.claimed.reference == convention.reference
    assert tampered.version == convention.approved_version


# --- The page ---------------------------------------------------------------------------------------


def upload(client, data, name="convention.pdf", url=None):
    return client.post(
        url or reverse("documents:verify"),
        {"document": SimpleUploadedFile(name, data, content_type="application/pdf")},
    )


def test_the_page_is_open_to_anonymous_visitors(client):
    """A prefecture or an auditor scanning the QR code has no account (tests/documents/test_public_verification.py)."""
    response = client.get(reverse("documents:verify"))
    assert response.status_code == 200 and 'id="verify-form"' in response.content.decode()


def test_an_authentic_document_for_a_user_who_sees_the_convention(client, signed, django_assert_max_num_queries):
    convention, version, data, _document = signed
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    assert "Vérifier un document" in client.get(reverse("documents:verify")).content.decode()
    with django_assert_max_num_queries(VERIFY_MAX_QUERIES):
        response = upload(client, data)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Document authentique émis par le Portail CTG" in page
    assert convention.reference in page and version.content_sha256 in page
    assert hashlib.sha256(data).hexdigest() in page
    assert 'data-verdict="authentic"' in page
    assert "par Portail CTG (tests)," in page  # the certificate's common name, not its whole subject
    assert not GeneratedDocument.objects.exclude(pk=_document.pk).exists()  # nothing stored


def test_an_outsider_learns_only_the_identity_the_file_proves(client, signed):
    """Reference, version number, kind and issue date: what the file itself proves, nothing else."""
    convention, version, data, _document = signed
    newer = take_version(convention=convention, by=UserFactory())
    client.force_login(UserFactory())
    page = upload(client, data).content.decode()
    assert "Document authentique émis par le Portail CTG" in page
    assert convention.reference in page and 'id="verification-reference"' in page
    assert f"Version {version.number}" in page and "Émis le" in page
    assert version.content_sha256 not in page  # the fingerprint of the version's text: not the file's
    assert convention.title not in page and f"version {newer.number}" not in page
    assert reverse("workflow:detail", args=[convention.pk]) not in page
    assert 'id="verification-no-details"' in page


def test_a_modified_copy_and_the_later_version_note(client, signed):
    convention, _version, data, _document = signed
    take_version(convention=convention, by=UserFactory())
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    page = upload(client, one_byte_changed(data)).content.decode()
    assert "Document modifié depuis son émission" in page
    assert 'data-verdict="modified"' in page and convention.reference in page
    assert "Le document qu’il prétend être" in page
    page = upload(client, data).content.decode()
    assert "Une version plus récente existe" in page


def test_an_unknown_pdf_and_a_non_pdf(client, signed):
    from weasyprint import HTML

    client.force_login(UserFactory())
    page = upload(client, HTML(string="<p>Autre</p>").write_pdf()).content.decode()
    assert "Ce document n’a pas été émis par le portail" in page or "Ce document n'a pas été émis" in page
    page = upload(client, b"just text", name="notes.txt").content.decode()
    assert "Ce fichier n’est pas un PDF" in page or "pas un PDF" in page


def test_a_missing_or_too_large_upload_is_a_form_error(client, monkeypatch):
    client.force_login(UserFactory())
    response = client.post(reverse("documents:verify"), {})
    assert response.status_code == 200 and "Choisissez le fichier PDF à vérifier" in response.content.decode()
    monkeypatch.setattr("documents.forms.MAX_BYTES", 10)
    page = upload(client, b"%PDF-1.7\n" + b"0" * 50).content.decode()
    assert "Mo" in page and 'id="verification-result"' not in page


def test_the_qr_code_link_announces_the_version_to_those_who_may_see_it(client, signed):
    convention, version, _data, _document = signed
    url = reverse("documents:verify") + f"?reference={convention.reference}&version={version.number}"
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    page = client.get(url).content.decode()
    assert 'id="announced-document"' in page and version.content_sha256 in page
    client.force_login(UserFactory())
    page = client.get(url).content.decode()
    assert version.content_sha256 not in page


def test_a_document_other_than_the_announced_one_is_flagged(client, signed):
    convention, version, data, _document = signed
    staff = MembershipFactory(organisation=convention.epci).user
    newer = take_version(convention=convention, by=staff)
    client.force_login(staff)
    announced = reverse("documents:verify") + f"?reference={convention.reference}&version={newer.number}"
    page = upload(client, data, url=announced).content.decode()
    assert 'id="verification-not-announced"' in page
    page = upload(
        client, data, url=reverse("documents:verify") + f"?reference={convention.reference}&version={version.number}"
    )
    assert 'id="verification-not-announced"' not in page.content.decode()


# --- The command ------------------------------------------------------------------------------------


def run_command(path, *arguments):
    from io import StringIO

    out = StringIO()
    try:
        call_command("verify_document", str(path), *arguments, stdout=out)
    except SystemExit as exit_:
        return exit_.code, out.getvalue()
    return 0, out.getvalue()


def test_the_command_exit_codes(signed, tmp_path):
    convention, version, data, _document = signed
    (tmp_path / "ok.pdf").write_bytes(data)
    (tmp_path / "tampered.pdf").write_bytes(one_byte_changed(data))
    (tmp_path / "text.txt").write_bytes(b"hello")
    code, out = run_command(tmp_path / "ok.pdf")
    assert code == 0 and convention.reference in out and version.content_sha256 in out
    code, out = run_command(tmp_path / "tampered.pdf")
    assert code == 1 and "modifi" in out.lower()
    code, _out = run_command(tmp_path / "text.txt")
    assert code == 2
    with pytest.raises(CommandError) as error:
        run_command(tmp_path / "absent.pdf")
    assert error.value.returncode == 2


def test_the_command_json_output(signed, tmp_path):
    convention, version, data, document = signed
    (tmp_path / "ok.pdf").write_bytes(data)
    code, out = run_command(tmp_path / "ok.pdf", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["verdict"] == "authentic" and report["sha256"] == document.sha256
    assert (report["convention"], report["version"], report["document_id"]) == (
        convention.reference,
        version.number,
        document.pk,
    )
    assert report["signature"]["by_portal"] is True
