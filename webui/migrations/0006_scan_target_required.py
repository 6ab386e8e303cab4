import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    # Apart from 0005: PostgreSQL refuses to alter a table with the backfill's updates pending.
    dependencies = [
        ("webui", "0005_targets_and_subscriptions"),
    ]

    operations = [
        migrations.AlterField(
            model_name="scan",
            name="target",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="scans",
                to="webui.target",
            ),
        ),
    ]
