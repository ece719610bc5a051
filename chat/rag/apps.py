from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "chat.rag"
    label = "rag"
    verbose_name = "Documents"
    default_auto_field = "django.db.models.BigAutoField"
