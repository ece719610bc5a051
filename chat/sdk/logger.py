"""`chainlit.logger` as `chat.sdk.logger`: the logger Chainlit apps write to.

It is Django's logging tree's "chainlit" logger, so LOGGING settings route it like any
other; an app that logs with `from chat.sdk.logger import logger` shows in the server log.
"""

from __future__ import annotations

import logging

logger = logging.getLogger("chainlit")

__all__ = ["logger"]
