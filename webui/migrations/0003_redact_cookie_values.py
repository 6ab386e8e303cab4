"""Rewrite stored reports so that no cookie value stays in them.

Reports made before the engine redacted cookie values hold the target's Set-Cookie lines as they
came, session tokens included, readable by anyone with the link. This applies the engine's own
redaction (``checker.headers.cookies.redact_report_data``) to every stored report. Going back
changes nothing: the values are gone.
"""

import copy

from django.db import migrations

from checker.headers.cookies import redact_report_data


def redact_stored_reports(apps, schema_editor) -> None:
    Scan = apps.get_model("webui", "Scan")
    stored = Scan.objects.filter(report__isnull=False).only("pk", "report")
    for scan in stored.iterator(chunk_size=200):
        if not isinstance(scan.report, dict):
            continue
        redacted = redact_report_data(copy.deepcopy(scan.report))
        if redacted != scan.report:
            Scan.objects.filter(pk=scan.pk).update(report=redacted)


class Migration(migrations.Migration):
    dependencies = [
        ("webui", "0002_hardening"),
    ]

    operations = [
        migrations.RunPython(redact_stored_reports, migrations.RunPython.noop, elidable=True),
    ]
