"""The XSS payloads every input is tried with: the markdown corpus, and payloads aimed at
what a browser and htmx do after the server's HTML arrives. Those call the canaries a
browser test sets up (`__xss(...)`, `alert`, a request to `/xss-canary/`), so that a
payload which runs is seen running, not only guessed from the markup."""

from __future__ import annotations

from tests.chat.rendering.test_markdown import XSS_PAYLOADS

# Requests to this path (on any host) or to these hosts mean a payload ran or loaded.
CANARY_PATH = "/xss-canary/"
CANARY_HOSTS = ("evil.example", "xss-canary.test")

BROWSER_PAYLOADS = [
    # canary calls through handlers a browser fires by itself
    "<img src=x onerror=__xss('img-onerror')>",
    "<svg><animate onbegin=__xss('svg-animate') attributeName=x dur=1s>",
    "<video><source onerror=__xss('video-source')></video>",
    "<audio src=x onerror=__xss('audio')>",
    "<marquee onstart=__xss('marquee')>m</marquee>",
    "<iframe onload=__xss('iframe-onload')></iframe>",
    '<object data="data:text/html,<script>parent.__xss(1)</script>"></object>',
    "<img src=x:x onerror=fetch('/xss-canary/fetch')>",
    # htmx reads attributes from swapped-in HTML: none of ours may arrive in content
    '<div hx-get="/xss-canary/hx-get" hx-trigger="load">hx</div>',
    '<div data-hx-get="/xss-canary/data-hx-get" data-hx-trigger="load">hx</div>',
    "<img src=x hx-on::error=\"__xss('hx-on')\">",
    "<div hx-on:htmx:load=\"__xss('hx-on-load')\">x</div>",
    "<div hx-swap-oob=\"innerHTML:body\"><img src=x onerror=__xss('oob')></div>",
    '<form hx-post="/xss-canary/hx-post" hx-trigger="load"></form>',
    # breaking out of the attributes and elements the text lands in
    "\"><img src=x onerror=__xss('attr-break')>",
    "'><img src=x onerror=__xss('attr-break-single')>",
    "</textarea><img src=x onerror=__xss('textarea-break')>",
    "</title><img src=x onerror=__xss('title-break')>",
    "</script><img src=x onerror=__xss('script-break')>",
    "{{7*7}}${__xss('template')}<%= 7*7 %>",
    # markdown to links and images that load the canary
    "[click](javascript:__xss('markdown-link'))",
    '<a href="javascript:__xss(\'raw-link\')" id="xss-link">raw link</a>',
    '<meta http-equiv=refresh content="0;url=/xss-canary/meta">',
    "<link rel=stylesheet href=/xss-canary/link.css>",
]

PAYLOADS = list(dict.fromkeys([*XSS_PAYLOADS, *BROWSER_PAYLOADS]))
