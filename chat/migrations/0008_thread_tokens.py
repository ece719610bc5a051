from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("chat", "0007_platforms"),
    ]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="total_tokens",
            field=models.PositiveBigIntegerField(default=0),
        ),
    ]
