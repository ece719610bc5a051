"""`chainlit.semantic_kernel` as `chat.sdk.semantic_kernel`, for apps that import
`SemanticKernelFilter` from it (needs the semantic-kernel package)."""

from chat.sdk.integrations.semantic_kernel import SemanticKernelFilter

__all__ = ["SemanticKernelFilter"]
