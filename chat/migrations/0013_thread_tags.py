from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("chat", "0012_audit_log")]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="tags",
            field=models.TextField(blank=True, default=""),
        ),
    ]
