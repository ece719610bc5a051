"""Microsoft's side of a Teams bot on 127.0.0.1: the Bot Framework's OpenID metadata and
keys, the token endpoint, the connector API, and OneDrive's upload sessions (where a
file the person accepted is PUT, in fragments); and the activities Teams would post."""

from __future__ import annotations

import json
import re
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.chat.platforms.fakes import Call, FakeApi
from tests.drivers import wait_for

APP_ID = "teams-app-id"
ISSUER = "https://api.botframework.com"
URL = "/platforms/teams/messages/"
KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
PEOPLE = {
    "29:alice": {"name": "Alice A", "email": "alice@example.com"},
    "29:stranger": {"name": "Stranger", "userPrincipalName": "who@x.org"},
}
CONSENT_CARD = "application/vnd.microsoft.teams.card.file.consent"
FILE_INFO_CARD = "application/vnd.microsoft.teams.card.file.info"
# OneDrive's rules for an upload session's fragments.
FRAGMENT_UNIT = 320 * 1024
FRAGMENT_MAX = 60 * 1024 * 1024
_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


class UploadSession:
    def __init__(self, name: str) -> None:
        self.id = uuid.uuid4().hex
        self.name = name
        self.received = bytearray()
        self.done = False


class FakeMicrosoft(FakeApi):
    """The OpenID metadata, its keys, the token endpoint, the connector and OneDrive."""

    def __init__(self) -> None:
        self.ids = 0
        self.sessions: dict[str, UploadSession] = {}
        self.refuse_uploads = False
        self.posted: list[tuple[str, Call]] = []  # (the activity id given, the call)
        super().__init__(self.answer)

    def answer(self, call: Call):
        if call.path == "/openid":
            return 200, {"issuer": ISSUER, "jwks_uri": f"{self.url}/keys"}
        if call.path == "/keys":
            public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
            return 200, {
                "keys": [{**public, "kid": "k1", "use": "sig", "endorsements": ["msteams"]}]
            }
        if call.path == "/token":
            return 200, {"access_token": "bot-token", "expires_in": 3600}
        if call.path.startswith("/upload/"):
            return self.upload(call)
        if "/members/" in call.path:
            return 200, PEOPLE[call.path.rsplit("/", 1)[1].replace("%3A", ":")]
        if call.method == "POST" and call.path.endswith("/activities"):
            if _typing(call):
                return 200, {}  # the connector answers a typing activity without an id
            self.ids += 1
            self.posted.append((f"act-{self.ids}", call))
            return 200, {"id": f"act-{self.ids}"}
        return 200, {"id": call.path.rsplit("/", 1)[1]}

    # -- OneDrive ----------------------------------------------------------------------------
    def upload_info(self, name: str) -> dict:
        """What Teams puts in an accepted consent's invoke: a fresh upload session."""
        session = UploadSession(name)
        self.sessions[session.id] = session
        return {
            "contentUrl": f"https://contoso.sharepoint.com/personal/alice/Documents/{name}",
            "name": name,
            "uploadUrl": f"{self.url}/upload/{session.id}",
            "uniqueId": session.id,
            "fileType": name.rsplit(".", 1)[-1],
            "etag": f'"{{{session.id}}},1"',
        }

    def upload(self, call: Call):
        """A fragment PUT to an upload session, checked as OneDrive checks it."""
        session = self.sessions.get(call.path.rsplit("/", 1)[1])
        if call.method != "PUT" or session is None or session.done:
            return 404, {"error": {"code": "itemNotFound"}}
        if "authorization" in call.headers:
            # The URL is the grant; OneDrive refuses a bearer token sent to it.
            return 401, {"error": {"code": "unauthenticated"}}
        if self.refuse_uploads:
            return 507, {"error": {"code": "quotaLimitReached"}}
        found = _RANGE.fullmatch(call.headers.get("content-range", ""))
        if found is None:
            return 400, {"error": {"code": "invalidRange"}}
        start, end, total = (int(g) for g in found.groups())
        size = len(call.raw)
        last = end + 1 == total
        if (
            start != len(session.received)
            or size != end - start + 1
            or int(call.headers.get("content-length", -1)) != size
            or size > FRAGMENT_MAX
            or (not last and size % FRAGMENT_UNIT)
        ):
            return 416, {"error": {"code": "invalidRange"}}
        session.received += call.raw
        if not last:
            return 202, {
                "expirationDateTime": "2030-01-01T00:00:00Z",
                "nextExpectedRanges": [f"{end + 1}-"],
            }
        session.done = True
        return 201, {"id": session.id, "name": session.name, "size": total, "file": {}}

    def fragments(self) -> list[Call]:
        return [c for c in list(self.calls) if c.path.startswith("/upload/")]

    # -- what the connector was asked to show ------------------------------------------------
    def shown(self) -> list[Call]:
        """What the connector was asked to show (the typing indicator aside)."""
        return [
            c
            for c in list(self.calls)
            if "/activities" in c.path and c.method != "DELETE" and not _typing(c)
        ]

    def typings(self) -> list[Call]:
        return [c for c in list(self.calls) if "/activities" in c.path and _typing(c)]

    def cards(self, kind: str) -> list[tuple[str, dict]]:
        """(the activity's id, the attachment) for each attachment of this type posted."""
        return [
            (activity_id, a)
            for activity_id, c in list(self.posted)
            for a in (c.body or {}).get("attachments") or []
            if a.get("contentType") == kind
        ]

    def deleted(self) -> list[str]:
        return [c.path.rsplit("/", 1)[1] for c in list(self.calls) if c.method == "DELETE"]


def _typing(call: Call) -> bool:
    return isinstance(call.body, dict) and call.body.get("type") == "typing"


def activity(
    teams: FakeMicrosoft,
    text: str = "",
    *,
    user: str = "29:alice",
    value=None,
    scope: str | None = None,
    conversation: str = "a:conv-1",
) -> dict:
    data = {
        "type": "message",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": teams.url + "/connector",
        "conversation": {"id": conversation},
        "from": {"id": user, "name": user, "aadObjectId": f"aad-{user}"},
        "recipient": {"id": "28:bot"},
        "text": f"<at>Bot</at> {text}",
    }
    if scope is not None:
        data["conversation"]["conversationType"] = scope
    if value is not None:
        data["value"] = value
    return data


def consent_answer(
    teams: FakeMicrosoft, card_activity: str, card: dict, *, accept: bool, user="29:alice"
) -> dict:
    """The invoke Teams posts when the person answers a file consent card."""
    content = card["content"]
    value = {
        "type": "fileUpload",
        "action": "accept" if accept else "decline",
        "context": content["acceptContext" if accept else "declineContext"],
    }
    if accept:
        value["uploadInfo"] = teams.upload_info(card["name"])
    return {
        "type": "invoke",
        "name": "fileConsent/invoke",
        "id": uuid.uuid4().hex,
        "channelId": "msteams",
        "serviceUrl": teams.url + "/connector",
        "conversation": {"id": "a:conv-1", "conversationType": "personal"},
        "from": {"id": user, "name": user, "aadObjectId": f"aad-{user}"},
        "recipient": {"id": "28:bot"},
        "replyToId": card_activity,
        "value": value,
    }


def token(service_url: str, *, key=KEY, audience=APP_ID, issuer=ISSUER, expires_in=600) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "exp": now + expires_in,
        "nbf": now - 10,
        "serviceUrl": service_url,
    }
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def send(async_client, data: dict, bearer: str | None = None):
    bearer = token(data["serviceUrl"]) if bearer is None else bearer
    return await async_client.post(
        URL,
        json.dumps(data),
        content_type="application/json",
        headers={"Authorization": f"Bearer {bearer}"} if bearer else {},
    )


async def final(teams: FakeMicrosoft, containing: str) -> Call:
    found: list = []

    def done() -> bool:
        found[:] = [
            c
            for c in teams.shown()
            if containing in (c.body or {}).get("text", "") and "…" not in c.body["text"]
        ]
        return bool(found)

    await wait_for(done, what=f"a final Teams message with {containing!r}")
    return found[-1]
