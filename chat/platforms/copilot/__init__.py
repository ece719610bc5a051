"""The copilot widget: `<script src="https://chat.example.com/copilot.js">` on any page of
the company opens the assistant in a floating panel.

The panel is a frame of our own page (/copilot/), so our sign-in, CSP and sanitising
apply; other sites' pages may frame it only when their origin is in
CHAT_COPILOT_ALLOWED_ORIGINS (CSP frame-ancestors on that page alone). The person is
signed in with the site's session (same site) or a signed token that the host page's
backend issues (tokens.issue). The panel and the host page talk through postMessage, each
checking the other's origin: Chainlit's CopilotFunction, send_window_message and
on_window_message.
"""
