from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "chat.rag"
    label = "rag"
    verbose_name = "Documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from chat.rag import signals  # noqa: F401  (connects its receiver)
