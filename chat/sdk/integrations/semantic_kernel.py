"""`cl.SemanticKernelFilter`: each function a Semantic Kernel invokes becomes a `tool` step,
as in Chainlit. Needs the `semantic-kernel` package (not among this product's extras: it
pins versions of pydantic and websockets of its own); without it `cl.SemanticKernelFilter`
raises an ImportError that names the package.

Example:
    kernel = sk.Kernel()
    cl.SemanticKernelFilter(kernel=kernel)
"""

from __future__ import annotations

from typing import Any

# Optional dependency: its absence is reported by `cl.SemanticKernelFilter` itself.
import semantic_kernel  # noqa: F401

from chat.sdk.step import Step


class SemanticKernelFilter:
    """Adds a function-invocation filter to a kernel: one step per function call, with its
    arguments as input and its result as output."""

    def __init__(self, kernel: Any = None) -> None:
        if kernel is not None:
            self.add_to_kernel(kernel)

    def add_to_kernel(self, kernel: Any) -> None:
        kernel.add_filter("function_invocation", self._function_invocation_filter)

    async def _function_invocation_filter(self, context: Any, call_next: Any) -> None:
        function = context.function
        name = f"{function.plugin_name}-{function.name}" if function.plugin_name else function.name
        async with Step(name=name, type="tool") as step:
            step.input = {key: value for key, value in context.arguments.items()}
            await call_next(context)
            result = getattr(context, "result", None)
            step.output = getattr(result, "value", result)
