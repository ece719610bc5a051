"""Slack: the Events API (app mentions, direct messages) and Block Kit buttons, over HTTP.

Requests are verified with slack_sdk's SignatureVerifier (HMAC of the body with the
signing secret, within CHAT_PLATFORM_MAX_AGE_SECONDS); answers go out through slack_sdk's
WebClient (chat.postMessage, then chat.update while the answer streams).
"""
