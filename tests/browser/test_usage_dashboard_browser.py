"""The usage dashboard in the admin, light and dark at a laptop's width and on a phone."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from .conftest import ChatServer, Product
from .test_admin_browser import admin_page, make_superuser

pytestmark = pytest.mark.browser

SEED = """
from datetime import timedelta
from decimal import Decimal
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone
from chat.models import Feedback, Message, ModelCall, Thread
sales, _ = Group.objects.get_or_create(name='Sales')
now = timezone.now()
for n in range(6):
    u = get_user_model().objects.create_user(
        email=f'usage-person-{n}-{now.timestamp()}@example.com', password='x')
    u.groups.add(sales)
    t = Thread.objects.create(owner=u, title='Quarterly numbers', chat_profile='Research')
    for back in range(0, 20, n + 1):
        when = now - timedelta(days=back)
        q = Message.objects.create(thread=t, order=back * 2 + 1, author_kind='user', content='q')
        a = Message.objects.create(
            thread=t, order=back * 2 + 2, author_kind='assistant', content='a')
        Message.objects.filter(pk__in=[q.pk, a.pk]).update(created_at=when)
        Feedback.objects.create(message=a, user=u, value=1 if back % 3 else -1, created_at=when)
        ModelCall.objects.create(user=u, thread=t, chat_profile='Research', model='gpt-4o-mini',
            input_tokens=900 * (n + 1), output_tokens=200, cost=Decimal('0.0021') * (n + 1),
            created_at=when)
"""


def test_the_usage_dashboard_reads_well_light_dark_and_on_a_phone(
    browser: Browser, product: Product, chat_server: ChatServer, shots_dir: Path
) -> None:
    product.manage("shell", "-c", SEED)
    admin = admin_page(browser, chat_server, make_superuser(product))
    try:
        admin.goto("/admin/chat/usageday/")
        expect(admin.locator(".usage-chart")).to_be_visible()
        expect(admin.locator(".usage-chart__bar")).to_have_count(30)
        expect(admin.locator(".usage-totals")).to_contain_text("Active people")
        expect(admin.locator(".usage-scroll tbody tr").first).to_be_visible()
        admin.screenshot(path=str(shots_dir / "usage-dashboard-1366.png"), full_page=True)
        admin.emulate_media(color_scheme="dark")
        expect(admin.locator("#header")).to_have_css("background-color", "rgb(23, 26, 33)")
        admin.screenshot(path=str(shots_dir / "usage-dashboard-dark-1366.png"), full_page=True)
        admin.emulate_media(color_scheme="light")
        admin.set_viewport_size({"width": 390, "height": 844})
        admin.reload()
        # On a phone the page does not scroll sideways: only the wide table does, in its box.
        width = admin.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, width
        admin.screenshot(path=str(shots_dir / "usage-dashboard-390.png"), full_page=True)
    finally:
        admin.context.close()
