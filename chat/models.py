"""What a conversation is made of. Models know nothing of the engine above them."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, FilteredRelation, Q
from django.utils import timezone


class Thread(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="threads"
    )
    title = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    # The next message's position; bumped atomically so concurrent writers never collide.
    last_order = models.PositiveIntegerField(default=0)
    metadata = models.JSONField(default=dict, blank=True)
    # Set while the owner shares the thread as a read-only link; cleared to revoke it.
    share_token = models.CharField(max_length=64, null=True, blank=True, unique=True)
    # Tokens of every LLM call in the thread, added when each `llm` step ends: a column, so
    # the admin list shows it without a query per row, and bumped atomically (F()).
    total_tokens = models.PositiveBigIntegerField(default=0)

    class Source(models.TextChoices):
        WEB = "web", "Web"
        SLACK = "slack", "Slack"
        DISCORD = "discord", "Discord"
        TEAMS = "teams", "Teams"
        COPILOT = "copilot", "Copilot"

    # Where the conversation happens; a column (indexed) so reviewers filter by it.
    source = models.CharField(
        max_length=16, choices=Source.choices, default=Source.WEB, db_index=True
    )
    # The platform's own name for the conversation (a Slack thread, a Teams conversation),
    # so each one maps to exactly one thread; empty for web and copilot threads.
    external_id = models.CharField(max_length=255, blank=True)
    # The chat profile the conversation runs with; a column (indexed) so reviewers filter by it.
    chat_profile = models.CharField(max_length=100, blank=True, db_index=True)
    # Labels the assistant puts on the conversation (cl.context.session.thread.tags), one
    # per line between newlines ("\nbilling\nurgent\n"): text, so that "threads tagged
    # billing" is one portable LIKE on SQLite and PostgreSQL alike.
    tags = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-updated_at"]
        indexes = [
            models.Index(fields=["owner", "-updated_at"], name="thread_owner_recent"),
            # The admin's list and the retention purge go by last activity over all users.
            models.Index(fields=["-updated_at"], name="thread_recent"),
            # The admin's tag and chat profile filters list the values in use: few threads
            # have any, and these small indexes hold only those.
            models.Index(
                fields=["-updated_at"], condition=~Q(tags=""), name="thread_tagged_recent"
            ),
            models.Index(
                fields=["chat_profile"], condition=~Q(chat_profile=""), name="thread_profile_set"
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="thread_external_id_unique",
            ),
        ]

    def __str__(self) -> str:
        return self.title or "New chat"

    @property
    def tag_list(self) -> list[str]:
        return [tag for tag in self.tags.split("\n") if tag]


class MessageQuerySet(models.QuerySet):
    def with_feedback(self) -> MessageQuerySet:
        """Adds the thread owner's rating (`feedback_value`, `feedback_comment`), if any.

        Only the owner may rate a thread's messages, so that rating is the one to show.
        A person rates a message once (feedback_one_per_user), so one join finds it: it
        builds and runs faster than a subquery per column, and every answer's final render
        reads its message this way.
        """
        return self.annotate(
            own_feedback=FilteredRelation(
                "feedback", condition=Q(feedback__user=F("thread__owner"))
            ),
            feedback_value=F("own_feedback__value"),
            feedback_comment=F("own_feedback__comment"),
        )


class Message(models.Model):
    class Author(models.TextChoices):
        USER = "user", "User"
        ASSISTANT = "assistant", "Assistant"
        SYSTEM = "system", "System"

    class Status(models.TextChoices):
        STREAMING = "streaming", "Streaming"
        DONE = "done", "Done"
        STOPPED = "stopped", "Stopped"
        INTERRUPTED = "interrupted", "Interrupted"
        FAILED = "failed", "Failed"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="messages")
    order = models.PositiveIntegerField()
    author_kind = models.CharField(max_length=16, choices=Author.choices)
    author_name = models.CharField(max_length=150, blank=True)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DONE)
    is_error = models.BooleanField(default=False)
    # Set by the browser so that a message re-sent after a reconnect is stored once.
    client_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["thread", "order"]
        constraints = [
            models.UniqueConstraint(fields=["thread", "order"], name="message_order_unique"),
            models.UniqueConstraint(
                fields=["thread", "client_id"],
                condition=~Q(client_id=""),
                name="message_client_id_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "updated_at"], name="message_status_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.author_kind}: {self.content[:60]}"


class Step(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="steps")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="steps"
    )
    # Position among the thread's messages and steps, from the same counter.
    order = models.PositiveIntegerField(default=0)
    type = models.CharField(max_length=32, default="undefined")
    name = models.CharField(max_length=200)
    input = models.TextField(blank=True)
    output = models.TextField(blank=True)
    language = models.CharField(max_length=32, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    is_error = models.BooleanField(default=False)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["thread", "order"]
        indexes = [models.Index(fields=["thread", "order"], name="step_thread_order")]

    def __str__(self) -> str:
        return f"{self.type}: {self.name}"


class Element(models.Model):
    class Display(models.TextChoices):
        INLINE = "inline", "Inline"
        SIDE = "side", "Side"
        PAGE = "page", "Page"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="elements")
    message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.CASCADE, related_name="elements"
    )
    step = models.ForeignKey(
        Step, null=True, blank=True, on_delete=models.CASCADE, related_name="elements"
    )
    kind = models.CharField(max_length=32)
    name = models.CharField(max_length=255)
    display = models.CharField(max_length=16, choices=Display.choices, default=Display.INLINE)
    file = models.FileField(upload_to="elements/%Y/%m/", blank=True)
    content = models.TextField(blank=True)
    url = models.URLField(max_length=2000, blank=True)
    mime = models.CharField(max_length=127, blank=True)
    size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    metadata = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["thread", "created_at"]
        indexes = [models.Index(fields=["thread", "created_at"], name="element_thread_created")]

    def __str__(self) -> str:
        return f"{self.kind}: {self.name}"


class Feedback(models.Model):
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    # The message's thread, kept here so that reviewers' queries ("threads with negative
    # feedback", counts per thread) need no join through a million messages.
    thread = models.ForeignKey(
        Thread, on_delete=models.CASCADE, related_name="feedback", editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="feedback"
    )
    # 1 is a thumbs up, -1 a thumbs down.
    value = models.SmallIntegerField(choices=[(1, "Up"), (-1, "Down")])
    comment = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["message", "user"], name="feedback_one_per_user"),
        ]
        indexes = [
            models.Index(fields=["value", "-created_at"], name="feedback_value_recent"),
            models.Index(fields=["thread", "value"], name="feedback_thread_value"),
        ]

    def __str__(self) -> str:
        return f"{self.value:+d} on {self.message_id}"

    def save(self, *args, **kwargs) -> None:
        if self.thread_id is None and self.message_id is not None:
            self.thread_id = self.message.thread_id
        super().save(*args, **kwargs)


class Job(models.Model):
    """Long work bound to a thread, run by a worker (or in the web process when embedded)."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        STOPPED = "stopped", "Stopped"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="jobs")
    name = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    attempt = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written every few seconds while running: a stale one lost its worker.
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat"),
            models.Index(fields=["thread", "-created_at"], name="job_thread_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"


class PlatformAccount(models.Model):
    """Who a person is on a chat platform (Slack, Discord, Teams), linked to their account.

    Slack and Teams links are made from the person's email address on first contact;
    Discord tells no email to a bot, so its links are made in the admin (or created with
    a new account, per CHAT_PLATFORM_UNKNOWN_USERS).
    """

    platform = models.CharField(max_length=16, choices=Thread.Source.choices)
    external_id = models.CharField(max_length=255)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="platform_accounts"
    )
    name = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["platform", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["platform", "external_id"], name="platform_account_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.platform}: {self.name or self.external_id}"


class ModelCall(models.Model):
    """One call to a language model and what it used, whoever made it: the default
    assistant's clients, `cl.instrument_openai()`, the LangChain or LlamaIndex handlers.

    Kept apart from the step that shows the call: steps go with their thread (retention,
    deletion), while usage stays countable for the month it belongs to.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="model_calls",
    )
    thread = models.ForeignKey(
        Thread, on_delete=models.SET_NULL, null=True, blank=True, related_name="model_calls"
    )
    chat_profile = models.CharField(max_length=100, blank=True)
    provider = models.CharField(max_length=50, blank=True)
    model = models.CharField(max_length=200, blank=True)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    # Input tokens the provider served from its prompt cache (part of input_tokens).
    cached_tokens = models.PositiveIntegerField(default=0)
    # None when the model has no price in CHAT_MODEL_PRICES: unknown, not free.
    cost = models.DecimalField(max_digits=14, decimal_places=6, null=True, blank=True)
    is_error = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["created_at"], name="modelcall_created"),
            models.Index(fields=["user", "created_at"], name="modelcall_user_created"),
        ]

    def __str__(self) -> str:
        return f"{self.model or self.provider}: {self.total_tokens} tokens"

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class Quota(models.Model):
    """A ceiling on what one person, or each member of a group, may use in a day or a month.

    A person's own quota wins over their groups'; among groups, the most generous wins.
    """

    class Period(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"

    class Metric(models.TextChoices):
        TOKENS = "tokens", "Tokens"
        COST = "cost", "Cost"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quotas",
    )
    group = models.ForeignKey(
        "auth.Group", on_delete=models.CASCADE, null=True, blank=True, related_name="quotas"
    )
    period = models.CharField(max_length=8, choices=Period.choices, default=Period.DAY)
    metric = models.CharField(max_length=8, choices=Metric.choices, default=Metric.TOKENS)
    # Tokens, or the currency of CHAT_MODEL_PRICES.
    limit = models.DecimalField(max_digits=14, decimal_places=4)

    class Meta:
        ordering = ["user", "group", "period", "metric"]
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, group__isnull=True)
                | Q(user__isnull=True, group__isnull=False),
                name="quota_user_or_group",
            ),
            models.UniqueConstraint(fields=["user", "period", "metric"], name="quota_one_per_user"),
            models.UniqueConstraint(
                fields=["group", "period", "metric"], name="quota_one_per_group"
            ),
        ]

    def __str__(self) -> str:
        who = self.user or self.group
        return f"{who}: {self.limit:g} {self.metric} per {self.period}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError
        from django.utils.translation import gettext as _

        if (self.user_id is None) == (self.group_id is None):
            raise ValidationError(_("A quota is for one person or for one group: choose one."))


class QuotaLift(models.Model):
    """Staff let one person past their limits for one day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quota_lifts"
    )
    day = models.DateField(default=timezone.localdate)
    reason = models.CharField(max_length=255, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["user", "day"], name="quota_lift_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.user} on {self.day}"


class UsageCounter(models.Model):
    """What one person used in one day or month: added to with atomic UPDATEs, so every
    web process and worker counts into the same row without losing an update."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="usage_counters"
    )
    period = models.CharField(max_length=8, choices=Quota.Period.choices)
    start = models.DateField()
    tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    # The largest answer of the period: what an answer still running may add.
    largest_answer_tokens = models.PositiveBigIntegerField(default=0)
    largest_answer_cost = models.DecimalField(max_digits=14, decimal_places=6, default=0)
    # Whether the person was told they passed 80 % of a limit this period.
    warned = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "period", "start"], name="usage_counter_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.period} {self.start}: {self.tokens} tokens"


class AnswerReservation(models.Model):
    """An answer admitted under a quota and still running (deleted when it ends; one left
    behind by a process that died stops counting after CHAT_QUOTA_RESERVATION_MINUTES)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"], name="reservation_user")]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.created_at}"


class UsageDay(models.Model):
    """One day's usage of one person with one chat profile (and, for model calls, one
    model): the rows the usage dashboard adds up, rebuilt from the calls, messages and
    ratings of that day by chat.usage.rollup.

    Rows with an empty `model` hold the conversation side (messages, conversations,
    ratings, failed answers); rows with a model hold its calls, tokens and cost.
    """

    day = models.DateField()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    chat_profile = models.CharField(max_length=100, blank=True)
    model = models.CharField(max_length=200, blank=True)
    calls = models.PositiveIntegerField(default=0)
    input_tokens = models.PositiveBigIntegerField(default=0)
    output_tokens = models.PositiveBigIntegerField(default=0)
    cached_tokens = models.PositiveBigIntegerField(default=0)
    cost = models.DecimalField(max_digits=16, decimal_places=6, default=0)
    # Calls of models with no price: their cost is unknown, not zero.
    unpriced_calls = models.PositiveIntegerField(default=0)
    errors = models.PositiveIntegerField(default=0)
    messages = models.PositiveIntegerField(default=0)
    conversations = models.PositiveIntegerField(default=0)
    rated_good = models.PositiveIntegerField(default=0)
    rated_bad = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "usage"
        verbose_name_plural = "usage"
        permissions = [("view_usage_dashboard", "Can see the usage dashboard")]
        indexes = [
            models.Index(fields=["day"], name="usageday_day"),
            models.Index(fields=["user", "day"], name="usageday_user_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id} {self.chat_profile} {self.model}"


class UsageRollup(models.Model):
    """When a day's UsageDay rows were last rebuilt: a day rebuilt after it ended is final."""

    day = models.DateField(primary_key=True)
    rolled_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.day} at {self.rolled_at}"


class AuditEntry(models.Model):
    """What someone did with other people's conversations or limits: opened a transcript
    in the admin, exported or deleted threads, turned a share link on or off, changed a
    quota. Append-only: an entry is never changed; the retention purge removes old ones."""

    class Action(models.TextChoices):
        TRANSCRIPT_VIEWED = "transcript_viewed", "Opened a transcript"
        THREADS_EXPORTED = "threads_exported", "Exported threads"
        THREADS_DELETED = "threads_deleted", "Deleted threads"
        SHARE_ON = "share_on", "Turned a share link on"
        SHARE_OFF = "share_off", "Turned a share link off"
        QUOTA_CHANGED = "quota_changed", "Changed a quota"
        QUOTA_DELETED = "quota_deleted", "Deleted a quota"
        QUOTA_LIFTED = "quota_lifted", "Lifted a person's limits for a day"
        GROUP_MAPPING_CHANGED = "group_mapping_changed", "Changed a group mapping"
        GROUP_MAPPING_DELETED = "group_mapping_deleted", "Deleted a group mapping"
        TEAM_LIBRARY_CHANGED = "team_library_changed", "Changed a team library or its managers"
        TEAM_LIBRARY_DELETED = "team_library_deleted", "Deleted a team library"

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as written then: the account may be renamed or deleted later.
    actor_email = models.CharField(max_length=254, blank=True)
    action = models.CharField(max_length=32, choices=Action.choices)
    target = models.CharField(max_length=255, blank=True)
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.actor_email} {self.action} {self.target}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("Audit entries are never changed.")
        super().save(*args, **kwargs)


class Favorite(models.Model):
    """A prompt a person saved from their own messages, offered again in the composer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    content = models.TextField()
    # The content's SHA-256: the same words are saved once per person (a unique index on
    # the text itself would break on long prompts).
    digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "digest"], name="favorite_once_per_user"),
        ]

    def __str__(self) -> str:
        return self.content[:60]


class UserEnv(models.Model):
    """The values a person gave for the app's `user_env` (CHAT_USER_ENV: their own API key,
    say), encrypted (chat.engine.user_env); never shown again, only replaced."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="user_env"
    )
    sealed = models.TextField(blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"user_env of {self.user_id}"
