"""The assistant beyond the browser: Slack, Discord and Teams bots, and the copilot widget.

Every platform runs the same assistant hooks through a headless chat session
(headless.py): what the hooks send is stored and pushed to the thread's tabs as for the
web chat, and also handed to the platform's sink (sink.py), which posts it there, editing
a streamed answer at a calm rate. Each platform lives in its own package and is only
imported when its environment variables turn it on (urls.py).
"""
