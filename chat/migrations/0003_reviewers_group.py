"""The "Reviewers" group: staff in it read conversations in the admin and change nothing."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Reviewers"
MODELS = ("thread", "message", "step", "element", "feedback")


def create_reviewers(apps, schema_editor):
    # On a fresh database the permissions are only made after every migration has run;
    # make the chat app's now so that the group can hold them.
    chat = apps.get_app_config("chat")
    chat.models_module = True
    create_permissions(chat, apps=apps, verbosity=0, using=schema_editor.connection.alias)
    chat.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.using(schema_editor.connection.alias).get_or_create(name=GROUP)
    permissions = Permission.objects.using(schema_editor.connection.alias).filter(
        content_type__app_label="chat", codename__in=[f"view_{m}" for m in MODELS]
    )
    group.permissions.add(*permissions)


def remove_reviewers(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_history_share_and_indexes"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_reviewers, remove_reviewers)]
