"""French typography read back from the PDFs (pdftotext): a signed convention and a copil report.

pdftotext writes the no-break spaces WeasyPrint laid out as plain spaces (one glyph for both), so what is
checked here is what they do on the page: a « : ; ! ? » or a « » » never starts a line, a « « » never
ends one, a « € » or « % » never leaves its number; apostrophes are curly; no proper name is hyphenated;
the SHA-256 and the verification URL break only at the chosen points. The exact characters are checked on
the text itself in tests/test_typography.py.
"""

import re
import shutil
import subprocess
from decimal import Decimal

import pytest

from conventions.choices import GovernanceMemberRole
from diagnostics.choices import IndicatorSource
from documents.convention_pdf import render_convention_pdf, verification_url
from documents.report_pdf import render_copil_report_pdf
from documents.templatetags.document_tags import commune_coverage
from tests.action_plans.factories import EvaluationIndicatorFactory
from tests.conventions.factories import GovernanceBodyFactory, GovernanceMemberFactory
from tests.diagnostics.factories import DiagnosticFactory, IndicatorDefinitionFactory, IndicatorValueFactory
from tests.documents.legal_convention import legal_convention
from tests.documents.test_convention_pdf import sign_everything
from tests.documents.test_copil_report import TODAY, Story
from tests.partners.factories import OrganisationFactory, RepresentativeFactory, UserFactory, valid_siren
from workflow.services.versions import take_version

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not shutil.which("pdftotext"), reason="poppler-utils is installed by make install"),
]

# Long names a French dictionary would hyphenate (« Marous-seau », « Dizen-gremel »), in narrow columns.
LONG_NAMES = ("Éric Marousseau", "Ludovic Dizengremel", "Bénédicte Lanes-Castelnau")


def pdf_lines(pdf: bytes) -> list[str]:
    text = subprocess.run(["pdftotext", "-raw", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return [line.rstrip() for line in text.decode().splitlines() if line.strip()]


def typography_faults(lines: list[str]) -> list[str]:
    """What breaks French typography in the lines of a PDF, one message per fault."""
    faults = []
    for number, line in enumerate(lines):
        if re.match(r"[:;!?»€%]", line):
            faults.append(f"line starts with a sign a no-break space should hold: {line!r}")
        if line.endswith("«"):
            faults.append(f"line ends with an opening guillemet: {line!r}")
        if re.search(r"[^\W\d_]'[^\W\d_]", line):
            faults.append(f"straight apostrophe: {line!r}")
        if re.search(r"[^\W\d_][:;!?](?:\s|$)", line) and "://" not in line:
            faults.append(f"no space before a colon or semicolon: {line!r}")
        if re.search(r"«\S|\S»", line):
            faults.append(f"guillemet without its space: {line!r}")
        if re.search(r"(?<!\d)1 (janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre)", line):
            faults.append(f"« 1 » for « 1er »: {line!r}")
        if line.endswith(("\u2010", "-")) and number + 1 < len(lines):
            # A hyphenated or hyphen-broken word whose start is capitalised: a proper name cut in two.
            word = re.findall(r"[\w\u2010-]+$", line)
            if word and word[0][:1].isupper():
                faults.append(f"proper name cut at the line's end: {line!r} / {lines[number + 1]!r}")
    return faults


def breaks_inside(printed: str, expected: str) -> list[int]:
    """The positions in ``expected`` where ``printed`` (``expected`` with line breaks) breaks it."""
    positions, index = [], 0
    for character in printed:
        if character == "\n":
            positions.append(index)
        else:
            assert character == expected[index]
            index += 1
    return positions


def find_broken(text: str, expected: str) -> list[str]:
    """Every occurrence of ``expected`` in ``text``, with the line breaks it holds."""
    pattern = "\n?".join(re.escape(character) for character in expected)
    return re.findall(pattern, text)


@pytest.fixture
def signed_pdf():
    convention = legal_convention()
    copil = GovernanceBodyFactory(convention=convention, name="Comité de pilotage du Grand Essai")
    for name in LONG_NAMES:
        GovernanceMemberFactory(
            body=copil,
            representative=RepresentativeFactory(full_name=name, title="Directeur adjoint de la cohésion sociale"),
            role=GovernanceMemberRole.MEMBER,
        )
    diagnostic = DiagnosticFactory(convention=convention)
    population = IndicatorDefinitionFactory(code="population-typo", label="Population", source=IndicatorSource.INSEE)
    IndicatorValueFactory(diagnostic=diagnostic, indicator=population, value=Decimal("42150"))
    for number in range(2):
        commune = OrganisationFactory(
            commune=True, name=f"Commune {number}", epci=convention.epci, siren=valid_siren(4700 + number, prefix="21")
        )
        IndicatorValueFactory(diagnostic=diagnostic, indicator=population, territory=commune, value=Decimal(900))
    action = convention.action_plan.orientations.first().actions.first()
    EvaluationIndicatorFactory(action=action, label="Espaces labellisés", unit="espaces", baseline=1, target=3)
    version = take_version(convention=convention, by=UserFactory())
    sign_everything(version)
    return version, render_convention_pdf(version, signed=True)


def test_the_signed_convention_follows_french_typography(signed_pdf):
    _version, pdf = signed_pdf
    lines = pdf_lines(pdf)
    assert typography_faults(lines) == []
    text = "\n".join(lines)
    for name in LONG_NAMES:
        assert name in text.replace("\n", " ")  # whole, never hyphenated
    assert "Source : Insee." in text.replace("\n", " ")  # the label, not the code « insee »
    assert "1 espaces" not in text


def test_the_fingerprint_breaks_only_every_sixteen_digits(signed_pdf):
    version, pdf = signed_pdf
    text = "\n".join(pdf_lines(pdf))
    printed = find_broken(text, version.content_sha256)
    assert printed, "the SHA-256 is printed"
    for occurrence in printed:
        assert all(position % 16 == 0 for position in breaks_inside(occurrence, version.content_sha256)), occurrence


def test_the_verification_url_breaks_only_at_chosen_points(signed_pdf):
    version, pdf = signed_pdf
    url = verification_url(version)
    printed = find_broken("\n".join(pdf_lines(pdf)), url)
    assert printed, "the verification URL is printed whole"
    for occurrence in printed:
        for position in breaks_inside(occurrence, url):
            assert url[position - 1] == "/" or url[position] in "?&#", occurrence


def test_an_indicator_table_says_how_many_of_the_territorys_communes_it_shows():
    # Grand Cahors in the official files (shipped with the portal) has 36 communes.
    rows = [{"is_epci": True}] + [{"is_epci": False}] * 4
    assert commune_coverage(rows, "200023737") == {"shown": 4, "total": 36}
    assert commune_coverage([{"is_epci": False}] * 36, "200023737") is None
    assert commune_coverage(rows, "000000000") is None


def test_the_copil_report_follows_french_typography():
    story = Story()
    lines = pdf_lines(render_copil_report_pdf(story.meeting, today=TODAY))
    assert typography_faults(lines) == []
    assert any("’" in line for line in lines)  # « Le plan d’actions est prolongé d’un an. »
