"""The document centre, its htmx status card, generating / retrying / regenerating, and downloads."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus
from conventions.models import GeneratedDocument
from documents.rendering import DocumentRenderError
from documents.services import render
from tests.conventions.factories import GovernanceBodyFactory, MeetingFactory, force_status
from tests.roles import ROLES
from workflow.services.versions import take_version

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery")]

CAN_VIEW = {"epci_staff", "epci_reader", "caf_officer", "commune_staff", "copil_member", "signing_representative"}


@pytest.fixture
def signed_world(world):
    """The roles' convention, signed (version 1)."""
    convention, users = world
    force_status(convention, ConventionStatus.SIGNED)
    return convention, users


def centre_url(convention):
    return reverse("documents:documents", args=[convention.pk])


def generate(client, convention, headers=None, **data):
    return client.post(reverse("documents:document_generate", args=[convention.pk]), data, headers=headers)


def ready_document(convention, kind=DocumentKind.CONVENTION) -> GeneratedDocument:
    document = GeneratedDocument.objects.create(convention=convention, kind=kind, version=convention.signed_version)
    return render.document_render(document_id=document.pk)


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("role", ROLES)
def test_the_document_centre_is_for_whoever_sees_the_convention(client, signed_world, role):
    convention, users = signed_world
    client.force_login(users[role])

    response = client.get(centre_url(convention))

    expected = 200 if role in CAN_VIEW or role == "superuser" else 404
    assert response.status_code == expected
    if expected == 200:
        assert "Version 1" in response.content.decode()


def test_the_centre_lists_each_version_and_offers_to_generate(client, signed_world, renderers, media):
    convention, users = signed_world
    ready_document(convention)
    client.force_login(users["epci_staff"])

    html = client.get(centre_url(convention)).content.decode()

    assert "Télécharger" in html
    assert html.count('name="kind" value="convention"') == 1  # the regenerate form of the ready one
    assert 'hx-trigger="every 2s"' not in html


def test_the_centre_shows_a_failure_with_its_error_and_a_retry_button_for_staff(client, signed_world, renderers, media):
    convention, users = signed_world
    renderers.error = DocumentRenderError("LayoutError: image missing")
    failed = ready_document(convention)
    assert failed.status == DocumentStatus.FAILED
    retry_url = reverse("documents:document_retry", args=[convention.pk, failed.pk])

    client.force_login(users["epci_staff"])
    staff_html = client.get(centre_url(convention)).content.decode()
    client.force_login(users["caf_officer"])
    officer_html = client.get(centre_url(convention)).content.decode()

    assert "LayoutError: image missing" in staff_html and retry_url in staff_html
    assert "LayoutError: image missing" in officer_html and retry_url not in officer_html


def test_the_centre_costs_the_same_queries_whatever_the_number_of_documents(
    client, signed_world, renderers, media, django_assert_max_num_queries
):
    convention, users = signed_world
    client.force_login(users["copil_member"])
    body = convention.governance_bodies.get()
    MeetingFactory(body=body)
    client.get(centre_url(convention))  # warms the session and the caches

    with django_assert_max_num_queries(25) as few:
        client.get(centre_url(convention))
    for _ in range(4):
        take_version(convention=convention, by=users["epci_staff"])
        MeetingFactory(body=body)
    ready_document(convention)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(centre_url(convention))
    assert response.content.decode().count("document-version") >= 5


def test_a_viewer_generates_a_missing_document(
    client, signed_world, renderers, media, django_capture_on_commit_callbacks
):
    convention, users = signed_world
    client.force_login(users["copil_member"])

    with django_capture_on_commit_callbacks(execute=True):
        response = generate(client, convention, kind="convention", version=convention.signed_version_id)

    assert response.status_code == 302 and response.url == centre_url(convention)
    document = GeneratedDocument.objects.get()
    assert document.status == DocumentStatus.READY and document.requested_by == users["copil_member"]


def test_generating_with_htmx_answers_the_card_which_polls_until_ready(
    client, signed_world, renderers, media, django_capture_on_commit_callbacks
):
    convention, users = signed_world
    client.force_login(users["epci_staff"])

    with django_capture_on_commit_callbacks(execute=False):
        response = generate(
            client, convention, kind="convention", version=convention.signed_version_id, headers={"HX-Request": "true"}
        )
    document = GeneratedDocument.objects.get()
    status_url = reverse("documents:document_status", args=[convention.pk, document.pk])
    html = response.content.decode()
    assert "<html" not in html and 'hx-trigger="every 2s"' in html and status_url in html

    render.document_render(document_id=document.pk)
    card = client.get(status_url, headers={"HX-Request": "true"}).content.decode()
    download_url = reverse("documents:document_download", args=[convention.pk, document.pk])
    assert 'hx-trigger="every 2s"' not in card and download_url in card


def test_forcing_is_for_staff(client, signed_world, renderers, media, django_capture_on_commit_callbacks):
    convention, users = signed_world
    ready_document(convention)
    data = {"kind": "convention", "version": convention.signed_version_id, "force": "1"}

    client.force_login(users["caf_officer"])
    refused = generate(client, convention, **data)
    assert any("agents de l’intercommunalité" in m for m in messages_of(refused))
    assert len(renderers.calls) == 1

    client.force_login(users["epci_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        generate(client, convention, **data)
    assert len(renderers.calls) == 2


def test_generating_a_signed_pdf_for_an_unsigned_version_says_why(client, signed_world, renderers, media):
    convention, users = signed_world
    client.force_login(users["epci_staff"])

    response = generate(client, convention, kind="signed_convention", version=convention.signed_version_id)

    assert response.status_code == 302
    assert any("signée par tous les signataires" in m for m in messages_of(response))
    assert not GeneratedDocument.objects.exists()


def test_generate_refuses_subjects_of_other_conventions_and_unknown_kinds(client, signed_world, renderers):
    convention, users = signed_world
    client.force_login(users["epci_staff"])
    other_meeting = MeetingFactory()

    assert generate(client, convention, kind="copil_report", meeting=other_meeting.pk).status_code == 404
    assert generate(client, convention, kind="poster", version=convention.signed_version_id).status_code == 404
    assert client.get(reverse("documents:document_generate", args=[convention.pk])).status_code == 405
    client.force_login(users["unrelated_user"])
    assert generate(client, convention, kind="convention", version=convention.signed_version_id).status_code == 404


def test_staff_retry_a_failed_document_and_others_are_told_they_cannot(
    client, signed_world, renderers, media, django_capture_on_commit_callbacks
):
    convention, users = signed_world
    renderers.error = DocumentRenderError("boom")
    failed = ready_document(convention)
    renderers.error = None
    url = reverse("documents:document_retry", args=[convention.pk, failed.pk])

    client.force_login(users["commune_staff"])
    refused = client.post(url)
    assert refused.status_code == 302 and any("agents de l’intercommunalité" in m for m in messages_of(refused))
    client.force_login(users["unrelated_user"])
    assert client.post(url).status_code == 404

    client.force_login(users["epci_staff"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url)
    failed.refresh_from_db()
    assert failed.status == DocumentStatus.READY


@pytest.mark.parametrize("role", ROLES)
def test_the_download_is_permission_checked(client, signed_world, renderers, media, role):
    convention, users = signed_world
    document = ready_document(convention, kind=DocumentKind.CONVENTION)
    client.force_login(users[role])

    response = client.get(reverse("documents:document_download", args=[convention.pk, document.pk]))

    if role in CAN_VIEW or role == "superuser":
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        assert body.startswith(b"%PDF")
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-SHA256"] == document.sha256
        assert f'filename="{convention.reference}-v1.pdf"' in response["Content-Disposition"]
        assert "attachment" in response["Content-Disposition"]
    else:
        assert response.status_code == 404


def test_a_document_not_ready_is_not_downloaded(client, signed_world):
    convention, users = signed_world
    document = GeneratedDocument.objects.create(
        convention=convention, kind=DocumentKind.CONVENTION, version=convention.signed_version
    )
    client.force_login(users["copil_member"])

    response = client.get(reverse("documents:document_download", args=[convention.pk, document.pk]))

    assert response.status_code == 302 and response.url == centre_url(convention)
    assert messages_of(response)


def test_a_document_of_another_convention_is_not_found_through_this_one(client, signed_world, world, renderers, media):
    convention, users = signed_world
    from tests.conventions.factories import ConventionFactory

    other = ConventionFactory(status=ConventionStatus.SIGNED, epci=convention.epci)
    document = ready_document(other)
    client.force_login(users["epci_staff"])

    assert client.get(reverse("documents:document_download", args=[convention.pk, document.pk])).status_code == 404
    assert client.get(reverse("documents:document_status", args=[convention.pk, document.pk])).status_code == 404


def test_meeting_reports_are_listed_when_the_renderer_exists(client, signed_world, renderers):
    convention, users = signed_world
    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=convention, technical=True))
    client.force_login(users["copil_member"])

    html = client.get(centre_url(convention)).content.decode()

    assert f'name="meeting" value="{meeting.pk}"' in html


def test_the_convention_page_links_to_the_document_centre(client, signed_world):
    convention, users = signed_world
    client.force_login(users["copil_member"])

    html = client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()

    assert centre_url(convention) in html


def test_the_admin_lists_and_shows_documents_read_only(client, signed_world, renderers, media):
    convention, users = signed_world
    document = ready_document(convention)
    client.force_login(users["superuser"])

    listing = client.get(reverse("admin:conventions_generateddocument_changelist"))
    detail = client.get(reverse("admin:conventions_generateddocument_change", args=[document.pk]))

    assert listing.status_code == 200 and convention.reference in listing.content.decode()
    assert detail.status_code == 200 and document.file.name in detail.content.decode()
    assert client.get(reverse("admin:conventions_generateddocument_add")).status_code == 403
