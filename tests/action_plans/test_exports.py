"""Exports of the action plan: XLSX (three sheets) and CSV for French Excel, formulas neutralised."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from action_plans import selectors
from action_plans.choices import ActionStatus, FundingStatus
from bench.plan_data import build_convention
from ctg_portal.spreadsheets import neutralise_formula
from diagnostics.choices import Priority
from tests.action_plans.factories import (
    ActionFactory,
    EvaluationIndicatorFactory,
    FundingLineFactory,
    StrategicOrientationFactory,
)
from tests.conventions.factories import ConventionFactory, domain
from tests.diagnostics.factories import FindingFactory
from tests.partners.factories import MembershipFactory, OrganisationFactory

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example","Cliquez")'


@pytest.fixture
def exported(client):
    convention = ConventionFactory(reference="CTG-TEST-EXPORT")
    orientation = StrategicOrientationFactory(plan__convention=convention, position=1, title="Petite enfance")
    action = ActionFactory(
        orientation=orientation,
        code="1.1",
        title=FORMULA,
        objectives="+33 objectif qui ressemble à une formule",
        domain=domain("petite-enfance"),
        status=ActionStatus.IN_PROGRESS,
        progress=40,
        start_date=datetime.date(2024, 1, 1),
        end_date=datetime.date(2099, 12, 31),
    )
    action.partners.set([OrganisationFactory(name="@Partenaire")])
    action.answered_needs.set([FindingFactory(diagnostic__convention=convention, title="Besoin de places")])
    FundingLineFactory(action=action, amount=Decimal("1234.50"), year=2024, scheme="-Bonus territoire")
    FundingLineFactory(action=action, amount=Decimal("100.00"), year=2025, status=FundingStatus.PAID)
    EvaluationIndicatorFactory(action=action, label="=1+1", current_value=Decimal("12.5"))
    second = ActionFactory(
        orientation=orientation, code="1.2", title="Relais petite enfance", domain=domain("jeunesse"), progress=0
    )
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    return convention, action, second


def workbook_of(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content if response.streaming else [response.content])))


def rows(sheet):
    return list(sheet.iter_rows(values_only=True))


def test_xlsx_has_three_sheets_with_one_row_per_item(client, exported):
    convention, action, _second = exported
    response = client.get(reverse("action_plans:export_xlsx", args=[convention.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = workbook_of(response)
    assert workbook.sheetnames == ["Fiches actions", "Financements", "Indicateurs"]
    assert len(rows(workbook["Fiches actions"])) == 1 + 2
    assert len(rows(workbook["Financements"])) == 1 + 2
    assert len(rows(workbook["Indicateurs"])) == 1 + 1


def test_xlsx_fiche_row_holds_every_column(client, exported):
    convention, action, _second = exported
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[convention.pk])))
    sheet = workbook["Fiches actions"]
    header = [cell.value for cell in sheet[1]]
    row = dict(zip(header, sheet[2], strict=True))
    assert row["Orientation"].value == "1. Petite enfance"
    assert row["Code"].value == "1.1"
    assert row["Domaine"].value == "Petite enfance"
    assert row["Pilote"].value == action.pilot.display_name
    assert row["Statut"].value == "En cours"
    assert row["Avancement (%)"].value == 40
    assert row["Priorité"].value == "Moyenne"
    assert row["Besoins auxquels elle répond"].value == "Besoin de places"
    assert row["Date de début"].value == datetime.datetime(2024, 1, 1)
    assert row["Date de début"].is_date
    assert row["Budget prévu (€)"].value == pytest.approx(1334.5)
    assert "€" in row["Budget prévu (€)"].number_format


def test_xlsx_neutralises_formulas_in_every_text_cell(client, exported):
    convention, _action, _second = exported
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[convention.pk])))
    fiche = workbook["Fiches actions"]["C2"]
    assert fiche.value == "'" + FORMULA
    assert fiche.data_type == "s"
    texts = [cell.value for sheet in workbook for row in sheet.iter_rows() for cell in row if cell.data_type == "s"]
    assert "'+33 objectif qui ressemble à une formule" in texts
    assert "'@Partenaire" in texts
    assert "'-Bonus territoire" in texts
    assert "'=1+1" in texts
    assert not [text for text in texts if text and text.startswith(("=", "+", "-", "@"))]
    assert all(cell.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for cell in row)


def test_xlsx_headers_are_bold_and_frozen_with_widths(client, exported):
    convention, _action, _second = exported
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[convention.pk])))
    for sheet in workbook:
        assert sheet.freeze_panes == "A2"
        assert all(cell.font.bold for cell in sheet[1])
        assert sheet.column_dimensions["B"].width > 0


def test_xlsx_funding_and_indicator_rows(client, exported):
    convention, action, _second = exported
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[convention.pk])))
    funding = workbook["Financements"]
    header = [cell.value for cell in funding[1]]
    first = dict(zip(header, funding[2], strict=True))
    assert first["Montant (€)"].value == pytest.approx(1234.5)
    assert "€" in first["Montant (€)"].number_format
    assert first["Année"].value == 2024
    assert first["Statut du financement"].value == "Prévisionnel"
    indicators = workbook["Indicateurs"]
    header = [cell.value for cell in indicators[1]]
    indicator = dict(zip(header, [cell.value for cell in indicators[2]], strict=True))
    assert indicator["Valeur actuelle"] == pytest.approx(12.5)
    assert indicator["Cible"] == 40


def test_export_filenames_carry_the_reference_and_the_date(client, exported):
    convention, _action, _second = exported
    today = timezone.localdate().isoformat()
    for name, extension in (("export_xlsx", "xlsx"), ("export_csv", "csv")):
        response = client.get(reverse(f"action_plans:{name}", args=[convention.pk]))
        assert response["Content-Disposition"] == (
            f'attachment; filename="plan-actions-CTG-TEST-EXPORT-{today}.{extension}"'
        )


def test_csv_is_utf8_with_bom_and_semicolons_for_french_excel(client, exported):
    convention, _action, _second = exported
    response = client.get(reverse("action_plans:export_csv", args=[convention.pk]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith("\ufeff".encode())
    parsed = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(parsed) == 2
    first = parsed[0]
    assert first["Code"] == "1.1"
    assert first["Fiche action"] == "'" + FORMULA
    assert first["Partenaires"] == "'@Partenaire"
    assert first["Date de début"] == "01/01/2024"
    assert first["Budget prévu (€)"] == "1334,50"
    assert first["Avancement (%)"] == "40"
    assert parsed[1]["Budget prévu (€)"] == "0,00"


def test_exports_follow_the_page_filters(client, exported):
    convention, _action, _second = exported
    xlsx = workbook_of(
        client.get(reverse("action_plans:export_xlsx", args=[convention.pk]), {"domain": domain("jeunesse").pk})
    )
    assert [row[1] for row in rows(xlsx["Fiches actions"])[1:]] == ["1.2"]
    assert len(rows(xlsx["Financements"])) == 1  # header only: 1.2 has no funding line
    csv_text = (
        client.get(reverse("action_plans:export_csv", args=[convention.pk]), {"q": "relais"})
        .content.decode("utf-8-sig")
        .splitlines()
    )
    assert len(csv_text) == 2 and csv_text[1].split(";")[1] == "1.2"


def test_exports_of_a_convention_without_plan_have_headers_only(client):
    convention = ConventionFactory()
    client.force_login(MembershipFactory(organisation=convention.epci).user)
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[convention.pk])))
    assert len(rows(workbook["Fiches actions"])) == 1
    content = client.get(reverse("action_plans:export_csv", args=[convention.pk])).content.decode("utf-8-sig")
    assert len(content.splitlines()) == 1


def test_outsiders_get_no_export(client, exported):
    convention, _action, _second = exported
    client.force_login(MembershipFactory(organisation__intercommunality=True).user)
    assert client.get(reverse("action_plans:export_xlsx", args=[convention.pk])).status_code == 404
    assert client.get(reverse("action_plans:export_csv", args=[convention.pk])).status_code == 404


# --- The workbook reads what the models hold -------------------------------------------------------


def _expected_sheets(convention) -> dict[str, list[tuple]]:
    """The three sheets' rows computed from model instances (the reads the exports made before they
    read tuples): related rows through the models' own managers and orderings."""
    actions = list(
        selectors.plan_actions(plan=convention.action_plan)
        .prefetch_related(None)
        .order_by("orientation__position", "position", "code", "pk")
    )
    statuses, priorities = dict(ActionStatus.choices), dict(Priority.choices)
    funding_statuses = dict(FundingStatus.choices)

    def text(value):
        return neutralise_formula(value) or None  # empty texts are left blank

    def day(value):
        return datetime.datetime.combine(value, datetime.time()) if value else None

    fiches, funding, indicators = [], [], []
    for action in actions:
        needs = action.answered_needs.order_by("domain__position", "position", "id")
        fiches.append(
            (
                text(f"{action.orientation.position}. {action.orientation.title}"),
                text(action.code),
                text(action.title),
                text(action.domain.name),
                text(action.pilot.display_name),
                text(", ".join(partner.display_name for partner in action.partners.order_by("name", "pk"))),
                day(action.start_date),
                day(action.end_date),
                text(str(statuses[action.status])),
                "Oui" if action.is_late else "Non",
                action.progress,
                text(str(priorities[action.priority])),
                float(action.planned_budget),
                text(" ; ".join(need.title for need in needs)),
                text(action.objectives),
                text(action.target_public),
            )
        )
        for line in action.funding_lines.order_by("year", "funder__name", "id"):
            funding.append(
                (
                    text(action.code),
                    text(action.title),
                    text(action.domain.name),
                    text(line.funder.display_name),
                    text(line.scheme),
                    line.year,
                    float(line.amount),
                    text(str(funding_statuses[line.status])),
                )
            )
        for indicator in action.evaluation_indicators.all():
            indicators.append(
                (
                    text(action.code),
                    text(action.title),
                    text(indicator.label),
                    text(indicator.unit),
                    *(
                        None if value is None else float(value)
                        for value in (indicator.baseline, indicator.target, indicator.current_value)
                    ),
                )
            )
    return {"Fiches actions": fiches, "Financements": funding, "Indicateurs": indicators}


def test_every_cell_of_the_workbook_matches_the_models(client):
    """A plan of the benchmark's shape (partners, needs, funding lines and indicators on every fiche)."""
    bench = build_convention(index=7, actions=24)
    client.force_login(bench.staff_user)
    workbook = workbook_of(client.get(reverse("action_plans:export_xlsx", args=[bench.convention.pk])))
    expected = _expected_sheets(bench.convention)
    assert all(expected.values())  # every sheet has rows
    for title, rows_ in expected.items():
        assert rows(workbook[title])[1:] == rows_, title


def test_the_workbook_takes_a_fixed_number_of_queries(client):
    counts = []
    for index, size in ((8, 3), (9, 30)):
        bench = build_convention(index=index, actions=size)
        client.force_login(bench.staff_user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("action_plans:export_xlsx", args=[bench.convention.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 13
