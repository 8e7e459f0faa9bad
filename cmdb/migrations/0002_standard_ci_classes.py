from django.db import migrations

from cmdb.standard_classes import STANDARD_CLASSES


def create_standard_classes(apps, schema_editor):
    CIClass = apps.get_model("cmdb", "CIClass")
    for definition in STANDARD_CLASSES:
        fields = {key: value for key, value in definition.items() if key != "slug"}
        CIClass.objects.get_or_create(slug=definition["slug"], defaults=fields)


def remove_unused_standard_classes(apps, schema_editor):
    CIClass = apps.get_model("cmdb", "CIClass")
    slugs = [definition["slug"] for definition in STANDARD_CLASSES]
    CIClass.objects.filter(slug__in=slugs, cis__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("cmdb", "0001_initial")]

    operations = [migrations.RunPython(create_standard_classes, remove_unused_standard_classes)]
