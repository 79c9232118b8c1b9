"""Seeds the thematic domains a CTG may cover.

Names are stored in French: they are reference data shown as such in the portal and its PDFs.
"""

from django.db import migrations

DOMAINS = [
    ("petite-enfance", "Petite enfance"),
    ("enfance", "Enfance"),
    ("jeunesse", "Jeunesse"),
    ("parentalite", "Soutien à la parentalité"),
    ("logement-cadre-de-vie", "Logement et cadre de vie"),
    ("animation-vie-sociale", "Animation de la vie sociale"),
    ("acces-aux-droits", "Accès aux droits"),
    ("gens-du-voyage", "Accueil des gens du voyage"),
    ("politique-de-la-ville", "Politique de la ville"),
    ("habitat", "Habitat"),
    ("insertion", "Insertion"),
]


def seed_domains(apps, schema_editor):
    Domain = apps.get_model("conventions", "Domain")
    for position, (code, name) in enumerate(DOMAINS, start=1):
        Domain.objects.update_or_create(code=code, defaults={"name": name, "position": position})


def remove_domains(apps, schema_editor):
    Domain = apps.get_model("conventions", "Domain")
    Domain.objects.filter(code__in=[code for code, _ in DOMAINS]).delete()


class Migration(migrations.Migration):
    dependencies = [("conventions", "0001_initial")]

    operations = [migrations.RunPython(seed_domains, remove_domains)]
