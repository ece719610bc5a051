"""Feedback knows its thread: reviewers filter and count by thread without a join through
the messages. Filled from each rating's message, then required."""

import django.db.models.deletion
from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def fill_threads(apps, schema_editor):
    Feedback = apps.get_model("chat", "Feedback")
    Message = apps.get_model("chat", "Message")
    of_message = Message.objects.filter(pk=OuterRef("message_id")).values("thread_id")[:1]
    Feedback.objects.using(schema_editor.connection.alias).update(thread=Subquery(of_message))


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0004_jobs"),
    ]

    operations = [
        migrations.AddField(
            model_name="feedback",
            name="thread",
            field=models.ForeignKey(
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="feedback",
                to="chat.thread",
            ),
        ),
        migrations.RunPython(fill_threads, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="feedback",
            name="thread",
            field=models.ForeignKey(
                editable=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="feedback",
                to="chat.thread",
            ),
        ),
        migrations.AddIndex(
            model_name="feedback",
            index=models.Index(fields=["thread", "value"], name="feedback_thread_value"),
        ),
    ]
