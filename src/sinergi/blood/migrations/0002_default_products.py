"""The six products PMI units hold, with their default shelf life and storage."""

from typing import Any

from django.db import migrations

DEFAULTS = [
    # code, name, component, shelf life (days), storage from, storage to (°C)
    ("WB", "Whole Blood", "whole_blood", 35, 2, 6),
    ("PRC", "Packed Red Cells", "red_cells", 35, 2, 6),
    ("TC", "Thrombocyte Concentrate", "platelets", 5, 20, 24),
    ("FFP", "Fresh Frozen Plasma", "plasma", 365, None, -25),
    ("LP", "Liquid Plasma", "plasma", 35, 2, 6),
    ("Cryo", "Cryoprecipitate", "plasma", 365, None, -25),
]


def add_products(apps: Any, schema_editor: Any) -> None:
    product = apps.get_model("blood", "Product")
    for order, (code, name, component, days, lo, hi) in enumerate(DEFAULTS):
        product.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "component": component,
                "shelf_life_days": days,
                "storage_min_c": lo,
                "storage_max_c": hi,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("blood", "0001_initial")]

    operations = [migrations.RunPython(add_products, migrations.RunPython.noop)]
