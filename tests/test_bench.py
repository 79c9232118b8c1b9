"""The documents benchmark's data and verdicts (bench/documents.py), so that `make bench` keeps working."""

import io

import pytest

from bench import documents, plan_data, plan_pages
from conventions.choices import LifecycleAction
from conventions.models import Signature, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media_in_a_temporary_folder(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_grand_cahors_gets_its_fiches_and_a_signed_version_holding_them():
    convention, version, had = documents.build_grand_cahors(actions=16)
    content = version.content
    actions = [action for orientation in content["action_plan"]["orientations"] for action in orientation["actions"]]
    assert had < 16 and len(actions) == 16
    assert convention.signed_version == version and version.number == 2
    assert StatusChange.objects.filter(version=version, action=LifecycleAction.COMPLETE_SIGNATURE).exists()
    copies = Signature.objects.filter(version=version)
    assert copies.count() == Signature.objects.filter(version__number=1, version__convention=convention).count() > 0
    assert set(copies.values_list("version_sha256", flat=True)) == {version.content_sha256}


def test_the_verdicts_compare_with_the_issue_targets():
    row = {"render_s": 2.0, "floor_s": 1.8, "ratio": 1.11, "round_trip_s": 2.4, "celery": "eager"}
    assert [line.endswith("PASS") for line in documents.verdicts(row)] == [True, True]
    row = {**row, "ratio": 1.5, "round_trip_s": 2.6}
    assert [line.endswith("FAIL") for line in documents.verdicts(row)] == [True, True]


def test_every_benchmarked_page_answers_for_a_small_plan(client):
    """`make bench` measures pages by URL name: a renamed route must fail here, not skip there."""
    bench = plan_data.build_convention(index=1, actions=3)
    rows = plan_pages.measure([bench], repeat=1, warmup=0, log=io.StringIO())
    assert sorted(row["page"] for row in rows) == sorted(page.label for page in plan_pages.PAGES)
    assert all(row["queries"] > 0 for row in rows)
