from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0003_fill_territories_legal_identity"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["name", "id"], name="home_organisation_name"),
        ),
        migrations.AddIndex(
            model_name="organisation",
            index=models.Index(fields=["kind", "name"], name="home_organisation_kind_name"),
        ),
    ]
