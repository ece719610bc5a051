"""Words the page's scripts show, translated here and handed over as JSON (json_script)."""

from __future__ import annotations

from django.utils.translation import gettext as _


def script_strings() -> dict[str, str]:
    return {
        "stillAnswering": _("The assistant is still answering: wait for it, or press Stop."),
        "noAccess": _("You do not have access to this conversation."),
        "reconnecting": _("Reconnecting…"),
        "uploadFailed": _("The upload failed."),
        "remove": _("Remove %(name)s"),
        "copy": _("Copy"),
        "copyCode": _("Copy code"),
        "copied": _("Copied"),
        "chartUnreadable": _("This chart could not be read."),
        "chartMissing": _("The chart library could not be loaded."),
        "waitToEdit": _("Wait for the answer to finish, or press Stop, then edit."),
        "newBelow": _("New messages below"),
        "openImage": _("Open the image"),
        "voiceDenied": _(
            "The microphone is not available: allow it in the browser, or type instead."
        ),
        "voiceMissing": _("No microphone was found: type your message instead."),
        "voiceRefused": _("The assistant is not listening right now."),
        "voiceDropped": _("The connection dropped: that recording was not sent."),
        "voiceStop": _("Stop and send"),
        "voiceTalk": _("Talk"),
        "frameTooLarge": _("The message is too large to send: shorten it, or attach it as a file."),
    }
