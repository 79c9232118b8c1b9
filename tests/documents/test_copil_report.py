"""The committee meeting's report: its figures as of the meeting's date, its PDF text and its signature."""

import datetime
import io
import re
import subprocess
from decimal import Decimal

import pytest
from django.utils import timezone

from action_plans.choices import ActionStatus, FundingStatus
from action_plans.models import Action, EvaluationIndicator, FundingLine
from documents.pdf_signature import check_pdf_signature
from documents.report_pdf import build_copil_report_html, render_copil_report_pdf, report_keywords
from documents.report_selectors import copil_report_data
from tests.action_plans.factories import (
    ActionFactory,
    ActionPlanFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    ProgressUpdateFactory,
    StrategicOrientationFactory,
    populated_plan,
)
from tests.conventions.factories import (
    ConventionFactory,
    GovernanceBodyFactory,
    GovernanceMemberFactory,
    MeetingFactory,
)
from tests.partners.factories import OrganisationFactory, RepresentativeFactory

pytestmark = pytest.mark.django_db

MEETING_DAY = datetime.date(2024, 6, 1)
TODAY = datetime.date(2025, 1, 15)
RECORDED_AT = timezone.make_aware(datetime.datetime(2024, 1, 15, 9))


def backdate_history(*models, moment=RECORDED_AT):
    """As if everything had been entered in the portal on ``moment`` (history is stamped "now")."""
    for model in models:
        model.history.all().update(history_date=moment)


class Story:
    """A convention, its copil meeting of 1 June 2024 and a plan of three fiches, entered in January 2024."""

    def __init__(self):
        self.convention = ConventionFactory(title="Convention territoriale globale du Causse")
        self.copil = GovernanceBodyFactory(convention=self.convention, name="Comité de pilotage du Causse")
        self.present = GovernanceMemberFactory(
            body=self.copil, representative=RepresentativeFactory(full_name="Hélène Marty")
        )
        self.absent = GovernanceMemberFactory(
            body=self.copil, representative=RepresentativeFactory(full_name="Paul Vidal")
        )
        self.meeting = MeetingFactory(
            body=self.copil,
            held_on=MEETING_DAY,
            location="Mairie de Gramat",
            decisions="Le plan d'actions est prolongé d'un an.\nLa fiche 1.1 est relancée.",
        )
        self.meeting.attendees.set([self.present])
        self.next_meeting = MeetingFactory(body=self.copil, held_on=datetime.date(2024, 12, 3))
        plan = ActionPlanFactory(convention=self.convention)
        first = StrategicOrientationFactory(plan=plan, position=1, title="Accueillir les jeunes enfants")
        second = StrategicOrientationFactory(plan=plan, position=2, title="Accompagner les parents")
        self.late = ActionFactory(
            orientation=first,
            code="1.1",
            title="Ouvrir une micro-crèche à Gramat",
            start_date=datetime.date(2023, 1, 1),
            end_date=datetime.date(2024, 3, 31),
            status=ActionStatus.IN_PROGRESS,
            progress=40,
        )
        self.running = ActionFactory(
            orientation=first,
            code="1.2",
            title="Former les assistantes maternelles",
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2025, 12, 31),
            status=ActionStatus.IN_PROGRESS,
            progress=20,
        )
        self.due = ActionFactory(
            orientation=second,
            code="2.1",
            title="Créer un lieu d'accueil enfants-parents",
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2024, 9, 30),
            status=ActionStatus.IN_PROGRESS,
            progress=60,
        )
        caf = OrganisationFactory(caf=True, name="Caf du Lot", short_name="Caf du Lot")
        commune = OrganisationFactory(commune=True, name="Commune de Gramat", short_name="")
        FundingLineFactory(action=self.late, funder=caf, amount=Decimal("10000"), status=FundingStatus.PAID)
        FundingLineFactory(action=self.running, funder=commune, amount=Decimal("5000"), status=FundingStatus.GRANTED)
        self.planned_line = FundingLineFactory(
            action=self.due, funder=caf, amount=Decimal("2500"), status=FundingStatus.PLANNED
        )
        self.indicator = EvaluationIndicatorFactory(
            action=self.late,
            label="Places d'accueil créées",
            unit="places",
            baseline=Decimal("10"),
            target=Decimal("40"),
            current_value=Decimal("25"),
        )
        backdate_history(Action, FundingLine, EvaluationIndicator)


@pytest.fixture
def story():
    return Story()


def pdf_text(pdf: bytes) -> str:
    result = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    text = result.stdout.decode()
    # French typography (curly apostrophes, narrow spaces) is the rendering hook's: compare the words.
    return re.sub(r"[ \u00a0\u202f]+", " ", text).replace("\u2019", "'")


def test_the_figures_are_those_of_the_meetings_date(story):
    # After the meeting: fiche 1.1 is done, the planned line is paid, the indicator reaches its target.
    Action.objects.filter(pk=story.late.pk).update(status=ActionStatus.DONE, progress=100)
    story.late.refresh_from_db()
    story.late.save()  # a history record now, after the meeting
    story.planned_line.status = FundingStatus.PAID
    story.planned_line.save()
    story.indicator.current_value = Decimal("40")
    story.indicator.save()

    report = copil_report_data(story.meeting, today=TODAY)

    assert report.as_of == MEETING_DAY and not report.live and not report.reconstructed
    assert [state.action.code for state in report.late_actions] == ["1.1"]
    assert [state.action.code for state in report.due_soon] == ["2.1"]
    assert report.funding_total.planned == Decimal("17500")
    assert report.funding_total.granted == Decimal("15000")
    assert report.funding_total.paid == Decimal("10000")
    assert report.indicators[0].current == Decimal("25") and report.indicators[0].achievement == 50
    counts = {status: count for status, _label, count in report.status_counts}
    # 1.1 is in progress in its record but its end date has passed: it is counted late, once.
    assert counts[ActionStatus.IN_PROGRESS] == 2 and counts[ActionStatus.LATE] == 1 and counts[ActionStatus.DONE] == 0
    assert counts[ActionStatus.LATE] == report.late_count
    # Weighted by planned budget: (40 × 10 000 + 20 × 5 000 + 60 × 2 500) / 17 500 = 37.1 %
    assert report.overall.percent == 37
    assert report.next_meeting == story.next_meeting
    assert report.decisions == ["Le plan d'actions est prolongé d'un an.", "La fiche 1.1 est relancée."]
    assert [(member.pk, present) for member, present in report.members] == [
        (story.present.pk, True),
        (story.absent.pk, False),
    ]


def test_dated_progress_reports_give_the_progress_of_the_day(story):
    ProgressUpdateFactory(action=story.running, reported_on=datetime.date(2024, 5, 20), progress=35)
    ProgressUpdateFactory(action=story.running, reported_on=datetime.date(2024, 7, 1), progress=80)
    report = copil_report_data(story.meeting, today=TODAY)
    running = next(state for state in report.actions if state.action.pk == story.running.pk)
    assert running.progress == 35


def test_records_entered_after_the_meeting_are_reconstructed_and_said_so(story):
    backdate_history(Action, FundingLine, EvaluationIndicator, moment=timezone.now())
    ProgressUpdateFactory(action=story.due, reported_on=MEETING_DAY, progress=100)
    report = copil_report_data(story.meeting, today=TODAY)
    assert (
        report.reconstructed_actions == 3 and report.reconstructed_lines == 3 and report.reconstructed_indicators == 1
    )
    states = {state.action.code: state for state in report.actions}
    assert states["2.1"].status == ActionStatus.DONE and states["2.1"].progress == 100
    assert states["1.1"].status == ActionStatus.IN_PROGRESS and states["1.1"].progress == 0
    assert report.funding_total.planned == Decimal("17500") and report.funding_total.paid == 0
    assert report.indicators[0].current is None


def test_a_meeting_to_come_shows_todays_figures(story):
    coming = MeetingFactory(body=story.copil, held_on=TODAY + datetime.timedelta(days=10))
    Action.objects.filter(pk=story.late.pk).update(status=ActionStatus.DONE, progress=100)
    report = copil_report_data(coming, today=TODAY)
    assert report.live and report.as_of == TODAY
    assert {state.action.code for state in report.late_actions} == {"2.1"}  # ended 30 September 2024
    assert report.decisions == []


def test_the_pdf_reads_as_the_report_of_that_meeting(story):
    pdf = render_copil_report_pdf(story.meeting, today=TODAY)
    text = pdf_text(pdf)
    assert "Comité de pilotage du Causse" in text
    assert re.search(r"\b1(er)? juin 2024", text)  # « 1er » once the PDF typography applies
    assert "Le plan d'actions est prolongé d'un an." in text and "La fiche 1.1 est relancée." in text
    assert "17 500 €" in text and "15 000 €" in text and "10 000 €" in text
    assert "Ouvrir une micro-crèche à Gramat" in text and "31/03/2024" in text
    assert "Hélène Marty" in text and "Paul Vidal" in text
    assert "3 décembre 2024" in text  # the next meeting
    assert "Places d'accueil créées" in text


def test_the_pdf_is_signed_by_the_portal_and_names_its_meeting(story):
    from pypdf import PdfReader

    pdf = render_copil_report_pdf(story.meeting, today=TODAY)
    assert check_pdf_signature(pdf).authentic
    metadata = PdfReader(io.BytesIO(pdf)).metadata
    assert metadata["/Keywords"] == report_keywords(story.meeting)
    assert f"ctg-meeting={story.meeting.pk}" in metadata["/Keywords"]
    assert "ctg-kind=copil_report" in metadata["/Keywords"]
    assert metadata["/Title"].startswith("Rapport") or metadata["/Title"].startswith("Report")
    assert "Comité de pilotage du Causse" in metadata["/Title"]
    tampered = bytearray(pdf)
    tampered[len(pdf) // 3] ^= 0x01
    assert not check_pdf_signature(bytes(tampered)).authentic


def test_poppler_pdfsig_reports_the_report_signed_and_whole(story, pdfsig):
    output = pdfsig(render_copil_report_pdf(story.meeting, today=TODAY))
    assert "Signature Validation: Signature is Valid." in output
    assert "Total document signed" in output


def test_a_convention_without_plan_still_has_a_report():
    meeting = MeetingFactory(body=GovernanceBodyFactory(), held_on=MEETING_DAY, decisions="Lancement validé")
    html = build_copil_report_html(meeting, today=TODAY)
    assert "Lancement validé" in html
    assert copil_report_data(meeting, today=TODAY).has_plan is False


@pytest.mark.parametrize("size", [3, 20])
def test_the_report_costs_the_same_whatever_the_plans_size(size, django_assert_max_num_queries):
    convention = ConventionFactory()
    populated_plan(convention, size=size)
    meeting = MeetingFactory(body=GovernanceBodyFactory(convention=convention), held_on=MEETING_DAY)
    with django_assert_max_num_queries(16):
        build_copil_report_html(meeting, today=TODAY)


def test_list_markers_typed_by_the_writer_are_not_doubled(story):
    story.meeting.agenda = "1. Bilan annuel\n2) Budget 2025\n- Questions diverses\n\n"
    story.meeting.save()
    report = copil_report_data(story.meeting, today=TODAY)
    assert report.agenda == ["Bilan annuel", "Budget 2025", "Questions diverses"]
    assert report.decisions[1] == "La fiche 1.1 est relancée."


def test_a_meeting_to_come_lists_its_members_without_calling_them_absent(story):
    coming = MeetingFactory(body=story.copil, held_on=TODAY + datetime.timedelta(days=10))
    html = build_copil_report_html(coming, today=TODAY)
    assert "Hélène Marty" in html
    assert "Absent" not in html and "Membres du comité" in html


def _tile(text: str, label: str) -> int:
    """The figure under ``label`` in the status table (pdftotext -layout keeps the columns aligned)."""
    lines = text.splitlines()
    for index, line in enumerate(lines):
        if label in line and "Total" in line:
            header = line
            values = next(candidate for candidate in lines[index + 1 :] if candidate.strip())
            labels = [cell.strip() for cell in re.split(r"\s{2,}", header.strip())]
            numbers = values.split()
            return int(numbers[labels.index(label)])
    raise AssertionError(f"no status table with {label!r}")


def test_the_late_tile_and_the_late_list_say_the_same_number(story):
    # One fiche late: its end date (31/03/2024) passed before the meeting while it is still in progress.
    pdf = render_copil_report_pdf(story.meeting, today=TODAY)
    layout = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    cells = layout.stdout.decode().replace("\u00a0", " ").replace("\u202f", " ")
    assert _tile(cells, "En retard") == 1
    assert _tile(cells, "En cours") == 2
    assert _tile(cells, "Total") == 3
    assert "Fiche action en retard (1)" in pdf_text(pdf)
    assert pdf_text(pdf).count("Ouvrir une micro-crèche à Gramat") == 1  # listed once, as the late one


def test_a_fiche_marked_late_is_counted_once_and_listed(story):
    Action.objects.filter(pk=story.running.pk).update(status=ActionStatus.LATE)
    story.running.refresh_from_db()
    story.running.save()
    backdate_history(Action)
    report = copil_report_data(story.meeting, today=TODAY)
    counts = {status: count for status, _label, count in report.status_counts}
    assert counts[ActionStatus.LATE] == 2 == report.late_count
    assert sum(counts.values()) == len(report.actions) == 3
