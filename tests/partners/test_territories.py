"""The territory import: the shipped extract, idempotency, the --epci filter, malformed files, moves."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.utils import translation

from partners.choices import OrganisationKind
from partners.models import Organisation
from partners.services import ImportReport, TerritoryDataError, territories_import, territories_import_from_directory
from partners.services import territories as territory_services
from tests.partners.factories import OrganisationFactory, UserFactory

pytestmark = pytest.mark.django_db

SHIPPED_DIR = Path(settings.BASE_DIR) / "data" / "territories" / "extract"
GRAND_CAHORS = "200023737"
LA_CALI = "200070092"
CAHORS = "46042"
LIBOURNE = "33243"


@pytest.fixture(autouse=True)
def _english_messages():
    # The messages are English msgids translated into French: test them untranslated.
    with translation.override("en"):
        yield


@pytest.fixture
def extract():
    """The shipped extract as Python data, to be changed by a test and written with ``write_files``."""
    return (
        json.loads((SHIPPED_DIR / "epci.json").read_text(encoding="utf-8")),
        json.loads((SHIPPED_DIR / "communes.json").read_text(encoding="utf-8")),
    )


@pytest.fixture
def write_files(tmp_path):
    def write(epcis, communes) -> Path:
        (tmp_path / "epci.json").write_text(json.dumps(epcis, ensure_ascii=False), encoding="utf-8")
        (tmp_path / "communes.json").write_text(json.dumps(communes, ensure_ascii=False), encoding="utf-8")
        return tmp_path

    return write


def import_shipped(**kwargs) -> ImportReport:
    return territories_import_from_directory(data_dir=SHIPPED_DIR, **kwargs)


def epci_entry(epcis, siren):
    return next(epci for epci in epcis if epci["code"] == siren)


def commune_entry(communes, insee_code):
    return next(commune for commune in communes if commune["code"] == insee_code)


# --- The shipped extract ---------------------------------------------------------------------------


def test_shipped_extract_creates_the_two_demo_epcis_and_their_communes():
    report = import_shipped()

    assert report == ImportReport(epcis_created=2, communes_created=81)
    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    la_cali = Organisation.objects.get(siren=LA_CALI)
    assert (grand_cahors.kind, grand_cahors.name) == (OrganisationKind.EPCI, "CA du Grand Cahors")
    assert (la_cali.kind, la_cali.name) == (OrganisationKind.EPCI, "CA du Libournais")
    assert grand_cahors.member_communes.count() == 36
    assert la_cali.member_communes.count() == 45
    assert Organisation.objects.filter(kind=OrganisationKind.COMMUNE).count() == 81


def test_cahors_has_its_insee_code_siren_population_departement_and_epci():
    import_shipped()

    cahors = Organisation.objects.get(insee_code=CAHORS)
    assert cahors.kind == OrganisationKind.COMMUNE
    assert cahors.name == "Cahors"
    assert cahors.siren == "214600421"
    assert cahors.population == 20050
    assert cahors.department_code == "46"
    assert cahors.epci.siren == GRAND_CAHORS


def test_an_epci_population_is_the_sum_of_its_communes_and_its_departement_that_of_its_communes():
    import_shipped()

    grand_cahors = Organisation.objects.get(siren=GRAND_CAHORS)
    la_cali = Organisation.objects.get(siren=LA_CALI)
    assert grand_cahors.population == 42325 == sum(grand_cahors.member_communes.values_list("population", flat=True))
    assert la_cali.population == 94185
    assert (grand_cahors.department_code, la_cali.department_code) == ("46", "33")


def test_import_records_the_history_of_every_created_organisation():
    import_shipped()

    assert Organisation.history.filter(history_type="+").count() == 83
    assert set(Organisation.history.values_list("history_change_reason", flat=True)) == {
        territory_services.HISTORY_CHANGE_REASON
    }


def test_history_names_the_user_who_asked_for_the_import():
    user = UserFactory()

    import_shipped(by=user)

    assert set(Organisation.history.values_list("history_user", flat=True)) == {user.pk}


def test_import_of_the_extract_needs_a_handful_of_queries(django_assert_max_num_queries):
    # 12, and one UPDATE raising the conventions' content_version (their cached pages show the names).
    with django_assert_max_num_queries(13):
        import_shipped()


# --- Idempotency and updates -------------------------------------------------------------------------


def test_second_import_changes_nothing():
    import_shipped()
    updated_at_before = dict(Organisation.objects.values_list("pk", "updated_at"))
    history_before = Organisation.history.count()

    report = import_shipped()

    assert report == ImportReport(epcis_unchanged=2, communes_unchanged=81)
    assert dict(Organisation.objects.values_list("pk", "updated_at")) == updated_at_before
    assert Organisation.history.count() == history_before


def test_a_changed_population_is_updated_with_its_epci_total(extract, write_files):
    epcis, communes = extract
    import_shipped()
    cahors_updated_at = Organisation.objects.get(insee_code=CAHORS).updated_at
    pradines_updated_at = Organisation.objects.get(insee_code="46224").updated_at
    commune_entry(communes, CAHORS)["population"] = 20150

    report = territories_import_from_directory(data_dir=write_files(epcis, communes))

    assert report == ImportReport(epcis_updated=1, epcis_unchanged=1, communes_updated=1, communes_unchanged=80)
    cahors = Organisation.objects.get(insee_code=CAHORS)
    assert cahors.population == 20150
    assert cahors.updated_at > cahors_updated_at
    assert Organisation.objects.get(insee_code="46224").updated_at == pradines_updated_at
    assert Organisation.objects.get(siren=GRAND_CAHORS).population == 42425
    assert cahors.history.filter(history_type="~").get().population == 20150


def test_a_commune_moving_to_another_epci_is_updated(extract, write_files):
    epcis, communes = extract
    import_shipped()
    grand_cahors, la_cali = epci_entry(epcis, GRAND_CAHORS), epci_entry(epcis, LA_CALI)
    cahors_member = next(member for member in grand_cahors["membres"] if member["code"] == CAHORS)
    grand_cahors["membres"].remove(cahors_member)
    la_cali["membres"].append(cahors_member)

    report = territories_import_from_directory(data_dir=write_files(epcis, communes))

    assert report == ImportReport(epcis_updated=2, communes_updated=1, communes_unchanged=80)
    assert Organisation.objects.get(insee_code=CAHORS).epci.siren == LA_CALI
    assert Organisation.objects.get(siren=GRAND_CAHORS).member_communes.count() == 35
    assert Organisation.objects.get(siren=LA_CALI).member_communes.count() == 46


def test_a_commune_its_imported_epci_no_longer_lists_leaves_it(extract, write_files):
    epcis, communes = extract
    import_shipped()
    grand_cahors = epci_entry(epcis, GRAND_CAHORS)
    grand_cahors["membres"] = [member for member in grand_cahors["membres"] if member["code"] != CAHORS]

    report = territories_import_from_directory(data_dir=write_files(epcis, communes), only_epci_sirens=[GRAND_CAHORS])

    assert report == ImportReport(epcis_updated=1, communes_updated=1, communes_unchanged=35)
    cahors = Organisation.objects.get(insee_code=CAHORS)
    assert cahors.epci is None
    assert cahors.population == 20050


def test_an_epci_recorded_by_hand_is_completed_and_keeps_its_short_name():
    existing = OrganisationFactory(intercommunality=True, siren=LA_CALI, name="La Cali", short_name="La Cali")

    report = import_shipped()

    assert report == ImportReport(epcis_created=1, epcis_updated=1, communes_created=81)
    existing.refresh_from_db()
    assert (existing.name, existing.short_name, existing.population) == ("CA du Libournais", "La Cali", 94185)
    assert existing.member_communes.count() == 45


def test_a_commune_whose_insee_code_changed_is_found_by_its_siren():
    existing = OrganisationFactory(commune=True, name="Cahors", siren="214600421", insee_code="46999")

    report = import_shipped()

    assert report == ImportReport(epcis_created=2, communes_created=80, communes_updated=1)
    existing.refresh_from_db()
    assert (existing.insee_code, existing.epci.siren) == (CAHORS, GRAND_CAHORS)


# --- The --epci filter -----------------------------------------------------------------------------


def test_only_the_chosen_epci_and_its_communes_are_imported():
    report = import_shipped(only_epci_sirens=[GRAND_CAHORS])

    assert report == ImportReport(epcis_created=1, communes_created=36)
    assert list(Organisation.objects.filter(kind=OrganisationKind.EPCI).values_list("siren", flat=True)) == [
        GRAND_CAHORS
    ]
    assert not Organisation.objects.filter(insee_code=LIBOURNE).exists()


def test_an_unknown_epci_siren_is_refused_and_nothing_imported():
    with pytest.raises(TerritoryDataError) as error:
        import_shipped(only_epci_sirens=[GRAND_CAHORS, "200000172"])

    assert str(error.value) == "epci.json has no EPCI with SIREN “200000172”."
    assert not Organisation.objects.exists()


# --- Malformed files and conflicts: a clear error, nothing imported -----------------------------


def set_epci_siren(epcis, communes):
    epci_entry(epcis, LA_CALI)["code"] = "20007009X"


def remove_epci_name(epcis, communes):
    del epci_entry(epcis, LA_CALI)["nom"]


def list_cahors_in_la_cali_too(epcis, communes):
    cahors = next(member for member in epci_entry(epcis, GRAND_CAHORS)["membres"] if member["code"] == CAHORS)
    epci_entry(epcis, LA_CALI)["membres"].append(dict(cahors))


def break_member_insee_code(epcis, communes):
    epci_entry(epcis, LA_CALI)["membres"][0]["code"] = "3300"


def set_negative_population(epcis, communes):
    communes[-1]["population"] = -12


def remove_commune_siren(epcis, communes):
    del communes[-1]["siren"]


def remove_cahors_from_communes(epcis, communes):
    communes.remove(commune_entry(communes, CAHORS))


def change_cahors_siren_in_communes(epcis, communes):
    commune_entry(communes, CAHORS)["siren"] = "214600439"


@pytest.mark.parametrize(
    "break_files,expected",
    [
        (set_epci_siren, ["epci.json, EPCI no. 2 (SIREN 20007009X): ", "is not a valid SIREN number"]),
        (remove_epci_name, ["epci.json, EPCI no. 2 (SIREN 200070092): missing key “nom”"]),
        (
            list_cahors_in_la_cali_too,
            [
                "epci.json, EPCI no. 2 (SIREN 200070092), member no. 46 (INSEE code 46042): "
                "the commune is already listed in epci.json, EPCI no. 1 (SIREN 200023737)"
            ],
        ),
        (break_member_insee_code, ["member no. 1 (INSEE code 3300): ", "is not a valid INSEE commune code"]),
        (set_negative_population, ["communes.json, entry no. 81 (INSEE code ", "the population must be a whole"]),
        (remove_commune_siren, ["communes.json, entry no. 81 (INSEE code ", "missing key “siren”"]),
        (
            remove_cahors_from_communes,
            ["(INSEE code 46042): no current commune (type “commune-actuelle”) with this INSEE code in communes.json"],
        ),
        (change_cahors_siren_in_communes, ["(INSEE code 46042): SIREN 214600421, but communes.json gives 214600439"]),
    ],
    ids=[
        "invalid EPCI SIREN",
        "missing key",
        "commune in two EPCIs",
        "invalid INSEE code",
        "negative population",
        "commune without SIREN",
        "member missing from communes.json",
        "SIRENs disagree",
    ],
)
def test_a_malformed_file_is_refused_with_the_wrong_record_named_and_nothing_imported(
    extract, write_files, break_files, expected
):
    epcis, communes = extract
    break_files(epcis, communes)

    with pytest.raises(TerritoryDataError) as error:
        territories_import_from_directory(data_dir=write_files(epcis, communes))

    assert len(error.value.errors) == 1
    for fragment in expected:
        assert fragment in str(error.value)
    # Not even the valid records before the wrong one (the Grand Cahors is listed first).
    assert not Organisation.objects.exists()


def test_every_wrong_record_is_listed_and_the_message_stays_readable(extract, write_files):
    epcis, communes = extract
    for commune in communes:
        commune["population"] = "beaucoup"

    with pytest.raises(TerritoryDataError) as error:
        territories_import_from_directory(data_dir=write_files(epcis, communes))

    assert len(error.value.errors) == 81
    message = str(error.value)
    assert message.startswith("81 errors in the territory files, nothing was imported:\n- communes.json, entry no. 1")
    assert message.endswith("… and 61 more.")


def test_broken_json_is_refused(tmp_path):
    (tmp_path / "epci.json").write_text('[{"code": "200023737", "nom": ', encoding="utf-8")
    (tmp_path / "communes.json").write_text("[]", encoding="utf-8")

    with pytest.raises(TerritoryDataError) as error:
        territories_import_from_directory(data_dir=tmp_path)

    assert str(error.value).startswith("epci.json is not valid JSON (line 1, column 31: ")
    assert not Organisation.objects.exists()


def test_a_file_holding_no_list_is_refused(tmp_path):
    (tmp_path / "epci.json").write_text('{"code": "200023737"}', encoding="utf-8")
    (tmp_path / "communes.json").write_text("[]", encoding="utf-8")

    with pytest.raises(TerritoryDataError, match="epci.json must hold a list of records."):
        territories_import_from_directory(data_dir=tmp_path)


def test_a_missing_file_is_refused(tmp_path):
    (tmp_path / "epci.json").write_text((SHIPPED_DIR / "epci.json").read_text(encoding="utf-8"), encoding="utf-8")

    with pytest.raises(TerritoryDataError) as error:
        territories_import(epci_path=tmp_path / "epci.json", communes_path=tmp_path / "communes.json")

    assert str(error.value) == f"communes.json: file not found ({tmp_path / 'communes.json'})."
    assert not Organisation.objects.exists()


def test_an_organisation_already_holding_a_siren_is_reported_and_nothing_imported():
    association = OrganisationFactory(name="Amicale de Cahors", siren="214600421")

    with pytest.raises(TerritoryDataError) as error:
        import_shipped()

    assert str(error.value) == (
        "commune “Cahors” (INSEE code 46042): SIREN 214600421 already belongs to “Amicale de Cahors” "
        f"(Association, id {association.pk}) in the database: correct or remove that organisation first"
    )
    assert Organisation.objects.count() == 1


def test_a_failure_while_writing_rolls_everything_back(monkeypatch):
    create = territory_services._create
    calls = []

    def create_then_fail(rows, **kwargs):
        calls.append(len(rows))
        if len(calls) == 2:  # the communes, after the EPCIs were written
            raise RuntimeError("database gone")
        create(rows, **kwargs)

    monkeypatch.setattr(territory_services, "_create", create_then_fail)

    with pytest.raises(RuntimeError):
        import_shipped()

    assert calls == [2, 81]
    assert not Organisation.objects.exists()
    assert not Organisation.history.exists()


# --- The management command ------------------------------------------------------------------------


def run_command(*args) -> str:
    out = StringIO()
    call_command("import_territories", *args, stdout=out)
    return out.getvalue()


def test_command_imports_the_extract_and_prints_a_summary():
    output = run_command("--data-dir", str(SHIPPED_DIR))

    assert "EPCIs: 2 created, 0 updated, 0 unchanged." in output
    assert "Communes: 81 created, 0 updated, 0 unchanged." in output
    assert f"Territories imported from {SHIPPED_DIR} in " in output


def test_command_reads_the_territory_data_dir_setting_by_default(settings, extract, write_files):
    epcis, communes = extract
    settings.TERRITORY_DATA_DIR = write_files([epci_entry(epcis, LA_CALI)], communes)

    output = run_command()

    assert "EPCIs: 1 created" in output
    assert Organisation.objects.get(kind=OrganisationKind.EPCI).siren == LA_CALI


def test_command_epci_option_is_repeatable():
    output = run_command("--data-dir", str(SHIPPED_DIR), "--epci", LA_CALI, "--epci", GRAND_CAHORS)

    assert "EPCIs: 2 created" in output
    assert "Communes: 81 created" in output


def test_command_epci_option_imports_one_epci():
    run_command("--data-dir", str(SHIPPED_DIR), "--epci", GRAND_CAHORS)

    assert Organisation.objects.filter(kind=OrganisationKind.EPCI).count() == 1
    assert Organisation.objects.filter(kind=OrganisationKind.COMMUNE).count() == 36


def test_command_fails_on_an_unknown_epci_siren():
    with pytest.raises(CommandError, match="epci.json has no EPCI with SIREN “123456782”."):
        run_command("--data-dir", str(SHIPPED_DIR), "--epci", "123456782")


def test_command_fails_on_a_missing_directory(tmp_path):
    with pytest.raises(CommandError, match="epci.json: file not found"):
        run_command("--data-dir", str(tmp_path / "nowhere"))


def test_command_fails_on_a_malformed_file(extract, write_files):
    epcis, communes = extract
    set_epci_siren(epcis, communes)

    with pytest.raises(CommandError, match=r"epci.json, EPCI no. 2 \(SIREN 20007009X\)"):
        run_command("--data-dir", str(write_files(epcis, communes)))
    assert not Organisation.objects.exists()
