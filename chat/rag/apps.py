from django.apps import AppConfig


class RagConfig(AppConfig):
    name = "chat.rag"
    label = "rag"
    verbose_name = "Documents"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Web processes and workers alike must know the ingestion job.
        from . import ingest

        ingest.register()
