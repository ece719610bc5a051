"""Images in markdown show from allowed places only; any other is a link with its alt."""

from __future__ import annotations

import pytest
from django.test import override_settings

from chat.rendering.markdown import render_markdown
from tests.chat.rendering.test_markdown import assert_inert, tags_of

PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGP4z8DwHwAFAAH"
    "/iZk9HQAAAABJRU5ErkJggg=="
)


def images(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in tags_of(html) if tag == "img"]


def links(html: str) -> list[dict[str, str]]:
    return [attrs for tag, attrs in tags_of(html) if tag == "a"]


def test_an_image_of_this_site_shows_with_its_alt_text():
    html = render_markdown('![A chart](/threads/1/elements/2/file/ "Sales")')
    assert images(html) == [
        {
            "class": "markdown-image",
            "src": "/threads/1/elements/2/file/",
            "alt": "A chart",
            "title": "Sales",
            "loading": "lazy",
        }
    ]


@override_settings(CHAT_MARKDOWN_IMAGE_HOSTS=["images.example.com"])
def test_an_image_on_a_listed_host_shows():
    html = render_markdown("![logo](https://images.example.com/logo.png)")
    assert images(html)[0]["src"] == "https://images.example.com/logo.png"


@override_settings(CHAT_MARKDOWN_IMAGE_HOSTS=["images.example.com"])
@pytest.mark.parametrize(
    "url",
    [
        "https://tracker.example.net/pixel.png",
        "https://images.example.com.evil.net/x.png",
        "https://evil.net/?https://images.example.com/x.png",
        "//evil.net/x.png",
    ],
)
def test_an_image_elsewhere_becomes_a_link_with_its_alt_text(url):
    html = render_markdown(f"![the chart]({url})")
    assert images(html) == []
    if url.startswith("http"):
        assert [link["href"] for link in links(html)] == [url]
    assert "the chart" in html


def test_a_small_raster_data_image_shows():
    assert images(render_markdown(f"![dot]({PNG})"))[0]["src"] == PNG


@pytest.mark.parametrize(
    "markdown",
    [
        "![x](javascript:alert(1))",
        "![x](JAVASCRIPT:alert(1))",
        "![x](vbscript:msgbox(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "![x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "![x](data:image/png;base64," + "A" * 200_000 + ")",
        '![" onerror="alert(1)](/a.png)',
        "![<img src=x onerror=alert(1)>](/a.png)",
        '![x](/a.png "\\" onload=\\"alert(1)")',
        "![x](/a.png onerror=alert(1))",
        "[![x](javascript:alert(1))](javascript:alert(1))",
    ],
)
def test_hostile_images_are_inert(markdown):
    html = render_markdown(markdown)
    assert_inert(html)
    for image in images(html):
        assert image["src"].startswith("/") or image["src"].startswith("data:image/png")
        assert set(image) <= {"class", "src", "alt", "title", "loading"}


@override_settings(CHAT_MARKDOWN_IMAGE_HOSTS=["images.example.com"])
def test_the_content_security_policy_lets_listed_hosts_images_in():
    import importlib

    import chatproject.settings as project_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHAT_MARKDOWN_IMAGE_HOSTS", "images.example.com")
        patch.delenv("CHAT_CSP", raising=False)
        reloaded = importlib.reload(project_settings)
        policy = reloaded.CHAT_CSP
    importlib.reload(project_settings)
    img_src = next(part for part in policy.split(";") if part.strip().startswith("img-src"))
    assert img_src.split() == ["img-src", "'self'", "data:", "blob:", "images.example.com"]
