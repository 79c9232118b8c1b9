"""Accent- and case-insensitive search (ctg_portal/search.py): the database folds a column as Python
folds a search term, on whichever database the suite runs."""

import pytest

from ctg_portal.search import Folded, fold
from partners.models import Organisation
from tests.partners.factories import OrganisationFactory

NAMES = [
    "Côte-d’Or",
    "ÉLÈVES Œuvre Æther cœur",
    "L'Haÿ-les-Roses",
    "Saint‑Julien-en-Genevois",
    "ÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸ àâäçéèêëîïôöùûüÿ",
    "Ñandú Øster Åre ÝÌÍÒÓÕÚ",
    "CC du Pays de Gex (Ain) 100 %_",
]


def test_fold_spells_out_accents_ligatures_apostrophes_and_hyphens():
    assert fold("Côte-d’Or") == "cote d'or"
    assert fold("ÉLÈVES Œuvre Æther cœur") == "eleves oeuvre aether coeur"
    assert fold("CTG-46-CAHORS") == "ctg 46 cahors"


@pytest.mark.parametrize("name", NAMES)
def test_the_database_folds_a_column_as_python_folds_a_term(db, name):
    organisation = OrganisationFactory(name=name)
    folded = Organisation.objects.filter(pk=organisation.pk).annotate(folded=Folded("name")).get().folded
    assert folded == fold(name)
    assert Organisation.objects.alias(folded=Folded("name")).filter(folded__contains=fold(name.upper())).exists()
