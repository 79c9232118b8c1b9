"""manage.py generate_document: the same service as the task, run now, for operators."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from conventions.choices import ConventionStatus, DocumentKind, DocumentStatus, LifecycleAction
from conventions.models import GeneratedDocument
from documents.rendering import DocumentRenderError
from tests.conventions.factories import ConventionFactory, GovernanceBodyFactory, MeetingFactory, PartyFactory
from tests.partners.factories import UserFactory
from workflow.services import lifecycle
from workflow.services.versions import take_version

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = StringIO()
    call_command("generate_document", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def signed(db, django_capture_on_commit_callbacks):
    convention = ConventionFactory(reference="CTG-TEST-CMD", status=ConventionStatus.IN_SIGNATURE)
    PartyFactory(convention=convention)
    with django_capture_on_commit_callbacks(execute=False):  # not the hook's own request
        lifecycle.convention_transition(convention=convention, action=LifecycleAction.COMPLETE_SIGNATURE, by=None)
    convention.refresh_from_db()
    return convention


def test_generates_the_signed_convention_and_writes_it(signed, renderers, media, tmp_path):
    output = tmp_path / "out" / "signed.pdf"

    printed = run("CTG-TEST-CMD", "--kind", "signed-convention", "--output", str(output))

    document = GeneratedDocument.objects.get(kind=DocumentKind.SIGNED_CONVENTION)
    assert document.status == DocumentStatus.READY and document.version == signed.signed_version
    data = output.read_bytes()
    assert hashlib.sha256(data).hexdigest() == document.sha256
    assert f"sha256: {document.sha256}" in printed and "pages: 2" in printed and "status: ready" in printed
    assert renderers.calls[-1][2] == {"signed": True}


def test_reuses_a_ready_document_unless_forced(signed, renderers, media):
    run("CTG-TEST-CMD", "--kind", "convention")
    run("CTG-TEST-CMD", "--kind", "convention")
    assert len(renderers.calls) == 1

    run("CTG-TEST-CMD", "--kind", "convention", "--force")
    assert len(renderers.calls) == 2
    assert GeneratedDocument.objects.count() == 1


def test_a_chosen_version_and_the_newest_by_default(signed, renderers, media):
    newer = take_version(convention=signed, by=UserFactory())

    run("CTG-TEST-CMD", "--kind", "convention")
    run("CTG-TEST-CMD", "--kind", "convention", "--version", "1")

    versions = set(GeneratedDocument.objects.values_list("version__number", flat=True))
    assert versions == {newer.number, 1}


def test_a_failure_exits_non_zero_and_a_second_run_renders_again(signed, renderers, media):
    renderers.error = DocumentRenderError("LayoutError: broken")
    with pytest.raises(CommandError, match="LayoutError: broken"):
        run("CTG-TEST-CMD", "--kind", "convention")
    assert GeneratedDocument.objects.get().status == DocumentStatus.FAILED

    renderers.error = None
    assert "status: ready" in run("CTG-TEST-CMD", "--kind", "convention")


def test_copil_report_of_a_meeting(signed, renderers, media):
    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=signed))

    printed = run("CTG-TEST-CMD", "--kind", "copil-report", "--meeting", str(meeting.pk))

    assert "status: ready" in printed
    assert GeneratedDocument.objects.get().meeting == meeting


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["CTG-NOPE", "--kind", "convention"], "No convention"),
        (["CTG-TEST-CMD", "--kind", "copil-report"], "--meeting is required"),
        (["CTG-TEST-CMD", "--kind", "copil-report", "--meeting", "99999"], "No meeting"),
        (["CTG-TEST-CMD", "--kind", "convention", "--meeting", "1"], "only applies"),
        (["CTG-TEST-CMD", "--kind", "convention", "--version", "7"], "no version 7"),
    ],
)
def test_clear_errors(signed, renderers, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert renderers.calls == []


def test_no_signed_version_no_signed_pdf(db, renderers):
    ConventionFactory(reference="CTG-TEST-DRAFT", status=ConventionStatus.APPROVED)
    with pytest.raises(CommandError, match="no version signed"):
        run("CTG-TEST-DRAFT", "--kind", "signed-convention")
    ConventionFactory(reference="CTG-TEST-EMPTY")
    with pytest.raises(CommandError, match="no version yet"):
        run("CTG-TEST-EMPTY", "--kind", "convention")
