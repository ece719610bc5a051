"""The person's answer to a file consent card (an invoke named fileConsent/invoke).

Accepted: Teams made an upload session in the person's OneDrive and hands its URL over;
the file's bytes are PUT there in fragments (each a multiple of 320 KiB, as OneDrive's
upload sessions require, with its Content-Range), then a file card shows the file in the
chat. Declined (or failed): the person is told, and the answer's link to the file stays.
Either way the consent card is removed, so that it is not answered twice.
"""

from __future__ import annotations

import dataclasses
import logging
import uuid
from typing import Any

import httpx
from asgiref.sync import sync_to_async
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _

from chat.models import Element
from chat.platforms import guard
from chat.platforms.sink import element_url
from chat.platforms.teams import cards
from chat.platforms.teams.sink import TeamsSink

logger = logging.getLogger(__name__)

INVOKE_NAME = "fileConsent/invoke"
# OneDrive takes fragments in multiples of 320 KiB, at most 60 MiB each.
FRAGMENT_BYTES = 10 * 320 * 1024


@dataclasses.dataclass(frozen=True)
class ConsentAnswer:
    id: str
    service_url: str
    conversation: str
    card: str  # the consent card's activity, which the answer replies to
    accepted: bool
    element_id: str
    upload_url: str = ""
    content_url: str = ""
    unique_id: str = ""
    file_type: str = ""
    name: str = ""

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ConsentAnswer:
        """ValueError for an invoke that is not a consent card's answer of ours."""
        value = data.get("value")
        if data.get("name") != INVOKE_NAME or not isinstance(value, dict):
            raise ValueError("not a file consent")
        action = value.get("action")
        context = value.get("context")
        if action not in ("accept", "decline") or not isinstance(context, dict):
            raise ValueError("not a file consent answer")
        info = value.get("uploadInfo") if action == "accept" else {}
        if not isinstance(info, dict) or (action == "accept" and not info.get("uploadUrl")):
            raise ValueError("an accepted file without an upload URL")
        return cls(
            id=str(data["id"]),
            service_url=str(data["serviceUrl"]),
            conversation=str(data["conversation"]["id"]),
            card=str(data.get("replyToId") or ""),
            accepted=action == "accept",
            element_id=str(context.get(cards.ELEMENT_KEY) or ""),
            upload_url=str(info.get("uploadUrl") or ""),
            content_url=str(info.get("contentUrl") or ""),
            unique_id=str(info.get("uniqueId") or ""),
            file_type=str(info.get("fileType") or ""),
            name=str(info.get("name") or ""),
        )


def _offered_here(element_id: str, conversation: str) -> Element | None:
    """The element, if it belongs to this very Teams conversation's thread."""
    try:
        pk = uuid.UUID(element_id)
    except ValueError:
        return None
    return (
        Element.objects.filter(pk=pk, thread__source="teams", thread__external_id=conversation)
        .exclude(file="")
        .first()
    )


offered_here = sync_to_async(_offered_here)


async def _put_fragments(url: str, path: str) -> None:
    """The stored file's bytes into the upload session, a fragment at a time (memory
    stays at one fragment). No Authorization header: the URL itself is the grant."""
    total = await sync_to_async(default_storage.size, thread_sensitive=False)(path)
    stored = await sync_to_async(default_storage.open, thread_sensitive=False)(path, "rb")
    read = sync_to_async(stored.read, thread_sensitive=False)
    try:
        async with httpx.AsyncClient(timeout=60) as client:
            start = 0
            while start < total:
                fragment = await read(FRAGMENT_BYTES)
                if not fragment:
                    raise OSError("the file is shorter than its stored size")
                end = start + len(fragment) - 1
                response = await client.put(
                    url,
                    content=fragment,
                    headers={"Content-Range": f"bytes {start}-{end}/{total}"},
                )
                response.raise_for_status()
                start = end + 1
    finally:
        await sync_to_async(stored.close, thread_sensitive=False)()


async def _tried(call: Any) -> None:
    """A connector call whose failure leaves nothing worse off than before (logged)."""
    try:
        await call
    except httpx.HTTPError:
        logger.warning("Teams: a call to the connector failed", exc_info=True)


def _not_sent(template: str, element: Element | None, name: str) -> str:
    text = template % {"name": element.name if element is not None else name}
    if element is not None and element_url(element):
        text += " " + _("The link in the answer still opens it.")
    return text


async def answer(consent: ConsentAnswer) -> None:
    """Uploads the accepted file and shows it, or tells the person it was not sent."""
    sink = TeamsSink(consent.service_url, consent.conversation, personal=True)
    sink.begin({"id": consent.card})
    element = await offered_here(consent.element_id, consent.conversation)
    if element is None:
        logger.warning("Teams: a file consent for an element not of %s", consent.conversation)
        return
    # A card answered twice (two clicks, two devices) is acted on once.
    if not await guard.first_time("teams", f"consent:{consent.conversation}:{element.pk}"):
        return
    if consent.card:
        await _tried(sink.delete(consent.card))
    if not consent.accepted:
        await sink.notice(_not_sent(_("%(name)s was not sent."), element, consent.name))
        return
    try:
        await _put_fragments(consent.upload_url, element.file.name)
    except (httpx.HTTPError, OSError):
        logger.warning("Teams: %s could not be uploaded", element.name, exc_info=True)
        await sink.notice(_not_sent(_("%(name)s could not be sent."), element, consent.name))
        return
    card = cards.file_info_card(
        consent.name or element.name, consent.content_url, consent.unique_id, consent.file_type
    )
    await _tried(sink.send_attachments([card]))
