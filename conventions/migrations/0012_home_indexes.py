from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conventions", "0011_copil_report_kinds_and_approval"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="convention",
            index=models.Index(fields=["-period_start", "reference"], name="home_convention_order"),
        ),
    ]
