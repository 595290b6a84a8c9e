from django.db import migrations, models
from django.db.models import F


def copy_quantity(apps, schema_editor):
    # Orders placed before this column existed: the best knowledge of what
    # was asked for is what they hold now.
    Order = apps.get_model("orders", "Order")
    Order.objects.using(schema_editor.connection.alias).update(
        requested_quantity=F("quantity")
    )


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="order",
            name="requested_quantity",
            field=models.PositiveIntegerField(editable=False, null=True),
        ),
        migrations.RunPython(copy_quantity, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="order",
            name="requested_quantity",
            field=models.PositiveIntegerField(editable=False),
        ),
    ]
