"""`cl.SemanticKernelFilter` without its package: an error that says what to install."""

from __future__ import annotations

import importlib.util

import pytest

import chat.sdk as cl


@pytest.mark.skipif(
    importlib.util.find_spec("semantic_kernel") is not None, reason="semantic-kernel is installed"
)
def test_the_filter_names_the_package_it_needs():
    with pytest.raises(ImportError, match=r"pip install semantic-kernel") as raised:
        cl.SemanticKernelFilter  # noqa: B018
    assert raised.value.name == "semantic_kernel"
    # The rest of the SDK is untouched by the missing package.
    assert cl.Message
    assert cl.Pyplot
