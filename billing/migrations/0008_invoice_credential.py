"""Each invoice gets its certification's credential (which never changes), copied for the work lists'
index open_invoice_credential_due: added empty, filled from the certifications, then required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_credentials(apps, schema_editor):
    Invoice = apps.get_model("billing", "Invoice")
    Certification = apps.get_model("members", "Certification")
    credential = Certification.objects.filter(pk=OuterRef("certification_id")).values("credential_id")[:1]
    Invoice.objects.filter(credential__isnull=True).update(credential_id=Subquery(credential))


class Migration(migrations.Migration):
    dependencies = [
        ("billing", "0007_worklist_indexes"),
        ("members", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="invoice",
            name="credential",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.credential",
            ),
        ),
        migrations.RunPython(copy_credentials, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="invoice",
            name="credential",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="members.credential",
            ),
        ),
        migrations.AddIndex(
            model_name="invoice",
            index=models.Index(
                condition=models.Q(("state", "open")),
                fields=["credential", "due_on", "id"],
                name="open_invoice_credential_due",
            ),
        ),
    ]
