from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("chat", "0009_thread_title_trigram")]

    operations = [
        migrations.AddField(
            model_name="thread",
            name="tags",
            field=models.TextField(blank=True, default=""),
        ),
    ]
