"""The draft PDF through the document queue: who may ask, when it is rendered again, and where it shows."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import GeneratedDocument
from ctg_portal.errors import NotAllowed
from documents.rendering import DocumentRenderError
from documents.selectors import download_filename
from documents.services import render
from documents.services.queue import DocumentRefused, document_request
from documents.snapshot import build_content, content_sha256
from tests.conventions.factories import force_status
from tests.roles import ROLES
from tests.workflow.factories import make_ready_for_review
from workflow.services import lifecycle

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_celery", "media")]

CAN_VIEW = {
    "epci_staff",
    "epci_reader",
    "caf_officer",
    "commune_staff",
    "copil_member",
    "signing_representative",
    "superuser",
}
DRAFT_ANCHOR = f"#document-{DocumentKind.DRAFT_CONVENTION}"


def ask(convention, by, capture):
    with capture(execute=True):
        return document_request(convention=convention, kind=DocumentKind.DRAFT_CONVENTION, by=by)


def generate_url(convention) -> str:
    return reverse("documents:document_generate", args=[convention.pk])


def centre_url(convention) -> str:
    return reverse("documents:documents", args=[convention.pk])


# --- The queue ----------------------------------------------------------------------------------------


def test_a_draft_is_rendered_from_the_live_text_and_says_which_text(
    world, renderers, django_capture_on_commit_callbacks
):
    convention, users = world
    document = ask(convention, users["caf_officer"], django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert (document.kind, document.version, document.meeting) == (DocumentKind.DRAFT_CONVENTION, None, None)
    assert document.status == DocumentStatus.READY
    assert document.content_sha256 == content_sha256(build_content(convention))
    assert [call[0] for call in renderers.calls] == [DocumentKind.DRAFT_CONVENTION]


def test_a_ready_draft_is_reused_while_the_text_has_not_changed(world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    first = ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    first.refresh_from_db()
    again = ask(convention, users["epci_reader"], django_capture_on_commit_callbacks)
    assert again.pk == first.pk and again.task_id == first.task_id
    assert again.status == DocumentStatus.READY and not again.is_refreshing
    assert len(renderers.calls) == 1
    assert GeneratedDocument.objects.count() == 1


def test_a_changed_text_renders_the_draft_again_in_place(world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    first = ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    first.refresh_from_db()
    convention.articles.create(position=9, title="Nouvel article", body="Un engagement de plus.")
    again = ask(convention, users["epci_reader"], django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.pk == first.pk
    assert len(renderers.calls) == 2
    assert again.status == DocumentStatus.READY and again.sha256 != first.sha256
    assert again.content_sha256 == content_sha256(build_content(convention)) != first.content_sha256


def test_a_failed_draft_is_rendered_again_on_the_next_request(world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    renderers.error = DocumentRenderError("LayoutError")
    failed = ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    failed.refresh_from_db()
    assert failed.status == DocumentStatus.FAILED
    renderers.error = None
    again = ask(convention, users["commune_staff"], django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert again.pk == failed.pk and again.status == DocumentStatus.READY


@pytest.mark.parametrize(
    "status",
    [ConventionStatus.SIGNED, ConventionStatus.IN_FORCE, ConventionStatus.EXPIRED, ConventionStatus.TERMINATED],
)
def test_no_draft_once_signed(world, status):
    convention, users = world
    force_status(convention, status)
    with pytest.raises(DocumentRefused, match="signed|signée"):
        document_request(convention=convention, kind=DocumentKind.DRAFT_CONVENTION, by=users["epci_staff"])


@pytest.mark.parametrize(
    "status",
    [
        ConventionStatus.DRAFT,
        ConventionStatus.IN_REVIEW,
        ConventionStatus.CHANGES_REQUESTED,
        ConventionStatus.APPROVED,
        ConventionStatus.IN_SIGNATURE,
    ],
)
def test_a_draft_at_any_status_before_the_signature(world, renderers, django_capture_on_commit_callbacks, status):
    convention, users = world
    force_status(convention, status)
    document = ask(convention, users["caf_officer"], django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY


def test_an_avenant_has_its_draft_again(world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    force_status(convention, ConventionStatus.SIGNED)
    lifecycle.convention_transition(
        convention=convention, action=LifecycleAction.OPEN_AMENDMENT, by=users["epci_staff"]
    )
    document = ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    document.refresh_from_db()
    assert document.status == DocumentStatus.READY


def test_an_outsider_may_not_ask(world):
    convention, users = world
    with pytest.raises(NotAllowed):
        document_request(convention=convention, kind=DocumentKind.DRAFT_CONVENTION, by=users["unrelated_user"])


def test_the_draft_file_is_named_projet_with_its_date(world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    document = ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    document.refresh_from_db()
    day = timezone.localdate(document.finished_at)
    assert download_filename(document) == f"{convention.reference}-projet-{day:%Y-%m-%d}.pdf"


def test_one_draft_row_per_convention_in_the_database(world):
    convention, _users = world
    GeneratedDocument.objects.create(convention=convention, kind=DocumentKind.DRAFT_CONVENTION)
    with pytest.raises(Exception, match="UNIQUE|unique|duplicate"):
        GeneratedDocument.objects.create(convention=convention, kind=DocumentKind.DRAFT_CONVENTION)


# --- Pages: the button on the convention page, the slot of the document centre --------------------------


@pytest.mark.parametrize("role", ROLES)
def test_who_may_ask_for_the_draft_from_the_convention_page(
    client, world, role, renderers, django_capture_on_commit_callbacks
):
    convention, users = world
    client.force_login(users[role])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(generate_url(convention), {"kind": DocumentKind.DRAFT_CONVENTION})
    if role in CAN_VIEW:
        assert response.status_code == 302 and response.url == centre_url(convention) + DRAFT_ANCHOR
        assert GeneratedDocument.objects.get().status == DocumentStatus.READY
    else:
        assert response.status_code == 404
        assert not GeneratedDocument.objects.exists()


def test_asking_again_for_an_unchanged_draft_says_it_is_up_to_date(
    client, world, renderers, django_capture_on_commit_callbacks
):
    convention, users = world
    client.force_login(users["caf_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(generate_url(convention), {"kind": DocumentKind.DRAFT_CONVENTION})
    response = client.post(generate_url(convention), {"kind": DocumentKind.DRAFT_CONVENTION})
    assert "Le projet en PDF est à jour" in " ".join(str(m) for m in get_messages(response.wsgi_request))
    assert len(renderers.calls) == 1


def test_asking_for_the_draft_of_a_signed_convention_says_why_not(client, world):
    convention, users = world
    force_status(convention, ConventionStatus.IN_FORCE)
    client.force_login(users["epci_staff"])
    response = client.post(generate_url(convention), {"kind": DocumentKind.DRAFT_CONVENTION})
    assert response.status_code == 302
    assert "disponible que jusqu’à sa signature" in " ".join(str(m) for m in get_messages(response.wsgi_request))


@pytest.mark.parametrize("role", sorted(CAN_VIEW))
def test_the_convention_page_offers_the_draft_to_whoever_sees_it(client, world, role):
    convention, users = world
    client.force_login(users[role])
    page = client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()
    assert 'name="kind" value="draft_convention"' in page
    assert "Projet de convention (PDF)" in page


def test_the_convention_page_of_a_signed_convention_has_no_draft_button(client, world):
    convention, users = world
    force_status(convention, ConventionStatus.SIGNED)
    client.force_login(users["epci_staff"])
    page = client.get(reverse("workflow:detail", args=[convention.pk])).content.decode()
    assert 'value="draft_convention"' not in page


def test_the_centre_shows_the_draft_slot_before_the_signature_only(
    client, world, renderers, django_capture_on_commit_callbacks
):
    convention, users = world
    client.force_login(users["epci_reader"])
    html = client.get(centre_url(convention)).content.decode()
    assert 'id="draft-document"' in html and 'value="draft_convention"' in html
    ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    html = client.get(centre_url(convention)).content.decode()
    draft = GeneratedDocument.objects.get()
    assert reverse("documents:document_download", args=[convention.pk, draft.pk]) in html
    assert "Mettre à jour depuis le texte actuel" in html
    force_status(convention, ConventionStatus.SIGNED)
    assert 'id="draft-document"' not in client.get(centre_url(convention)).content.decode()


def test_the_centre_with_its_draft_costs_a_fixed_number_of_queries(
    client, world, renderers, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    convention, users = world
    make_ready_for_review(convention)
    ask(convention, users["epci_staff"], django_capture_on_commit_callbacks)
    client.force_login(users["copil_member"])
    client.get(centre_url(convention))  # warms the session
    with django_assert_max_num_queries(12):
        response = client.get(centre_url(convention))
    assert response.status_code == 200


def test_htmx_asks_answer_the_draft_card(client, world, renderers, django_capture_on_commit_callbacks):
    convention, users = world
    client.force_login(users["epci_staff"])
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(
            generate_url(convention), {"kind": DocumentKind.DRAFT_CONVENTION}, headers={"HX-Request": "true"}
        )
    html = response.content.decode()
    document = GeneratedDocument.objects.get()
    assert "<html" not in html and f'id="document-{DocumentKind.DRAFT_CONVENTION}"' in html
    assert reverse("documents:document_status", args=[convention.pk, document.pk]) in html
    render.document_render(document_id=document.pk)
    card = client.get(reverse("documents:document_status", args=[convention.pk, document.pk])).content.decode()
    assert reverse("documents:document_download", args=[convention.pk, document.pk]) in card
