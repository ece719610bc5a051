from django.apps import AppConfig


class McpServersConfig(AppConfig):
    name = "chat.mcp_servers"
    label = "mcp_servers"
    verbose_name = "Tool servers (MCP)"
    default_auto_field = "django.db.models.BigAutoField"
