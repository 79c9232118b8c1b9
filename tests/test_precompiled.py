"""Queries compiled once per process (ctg_portal/precompiled.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conventions.models import Convention
from ctg_portal.precompiled import PrecompiledQuery
from tests.conventions.factories import ConventionFactory


def test_a_precompiled_query_runs_with_each_value_and_is_logged(db):
    first, second = ConventionFactory(), ConventionFactory()
    by_epci = PrecompiledQuery(lambda epci_id: Convention.objects.filter(epci_id=epci_id).values_list("pk"))
    with CaptureQueriesContext(connection) as queries:
        assert by_epci.rows(first.epci_id) == [(first.pk,)]
        assert by_epci.rows(second.epci_id) == [(second.pk,)]
    assert len(queries) == 2


def test_a_query_with_another_parameter_is_refused(db):
    drafts = PrecompiledQuery(
        lambda epci_id: Convention.objects.filter(epci_id=epci_id, reference="x").values_list("pk")
    )
    with pytest.raises(ValueError, match="only its parameter"):
        drafts.rows(1)
