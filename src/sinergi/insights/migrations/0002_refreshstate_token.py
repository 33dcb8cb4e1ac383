from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("insights", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="refreshstate",
            name="token",
            field=models.CharField(blank=True, default="", max_length=32),
        ),
    ]
