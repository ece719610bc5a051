"""`python manage.py seed_chat --threads 100000 --messages 1000000`: a large history, fast.

For trying the history, the search and the admin at scale, and for bench/history.py.
Rows go in with bulk_create, a batch of threads at a time (each batch one transaction),
bypassing the engine. Users are seed-NNNN@example.com (one password for all); the first,
seed-0000@example.com, is a heavy user who owns --heavy-share of the threads and one long
thread. Texts come from a small vocabulary, with a rare word ("kumquat") in about one
message in a thousand, so that a search can look for something common or something rare.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.utils import timezone

from chat.models import Feedback, Message, Step, Thread
from chat.threads.store import title_from

VOCABULARY = (
    "account access address agenda answer approval audit backup budget build calendar "
    "change client code company contract cost customer dashboard data deadline deploy "
    "design document draft email error estimate expense feature file finance forecast "
    "holiday incident invoice issue laptop launch license meeting metric migration "
    "network office onboarding order password payment plan policy price printer project "
    "proposal quarter query release report request review risk roadmap salary schedule "
    "security server service setup sprint summary support survey team template test "
    "ticket timeline training travel update upgrade vendor version vpn warehouse "
    "workflow "
)
WORDS = tuple(VOCABULARY.split())
GLUE_WORDS = "the a for with about our this next please can you how what when why and to of in "
GLUE = tuple(GLUE_WORDS.split())
RARE = "kumquat"
USER_STARTS = (
    "How do I",
    "Can you summarise",
    "Please draft",
    "What is the status of",
    "Explain",
    "Help me with",
)


class Seeder:
    def __init__(self, rng: random.Random, now: datetime, days: int) -> None:
        self.rng = rng
        self.now = now
        self.days = days

    def words(self, low: int, high: int) -> str:
        rng = self.rng
        out = []
        for _ in range(rng.randint(low, high)):
            out.append(rng.choice(WORDS) if rng.random() < 0.6 else rng.choice(GLUE))
        if rng.random() < 0.001:
            out.insert(rng.randrange(len(out) + 1), RARE)
        return " ".join(out)

    def user_text(self) -> str:
        return f"{self.rng.choice(USER_STARTS)} {self.words(4, 18)}?"

    def assistant_text(self) -> str:
        rng = self.rng
        parts = [self.words(20, 60).capitalize() + "."]
        if rng.random() < 0.3:
            parts.append("\n".join(f"- {self.words(3, 8)}" for _ in range(rng.randint(2, 4))))
        if rng.random() < 0.1:
            parts.append(f"```python\nprint({self.words(2, 4)!r})\n```")
        return "\n\n".join(parts)

    def start_time(self) -> datetime:
        seconds = self.rng.randint(0, self.days * 86400)
        return self.now - timedelta(seconds=seconds)


class Command(BaseCommand):
    help = "Fills the database with many users, threads, messages, steps and feedback."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threads", type=int, default=1000)
        parser.add_argument("--messages", type=int, default=10000)
        parser.add_argument("--users", type=int, default=500)
        parser.add_argument("--heavy-share", type=float, default=0.05)
        parser.add_argument("--long-thread", type=int, default=200, help="messages in it")
        parser.add_argument("--days", type=int, default=400, help="spread over this many days")
        parser.add_argument("--feedback-rate", type=float, default=0.05)
        parser.add_argument("--step-rate", type=float, default=0.2)
        parser.add_argument("--password", default="seed-password-123")
        parser.add_argument("--batch", type=int, default=2000, help="threads per transaction")
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args: Any, **o: Any) -> None:
        if o["threads"] < 1 or o["messages"] < 2 * o["threads"]:
            raise CommandError("Give at least one thread and two messages per thread.")
        rng = random.Random(o["seed"])  # noqa: S311 - test data, not secrets
        seeder = Seeder(rng, timezone.now(), o["days"])
        users = self.users(o["users"], o["password"])
        heavy, others = users[0], users[1:] or users[:1]
        counts = self.message_counts(rng, o["threads"], o["messages"], o["long_thread"])
        heavy_threads = max(1, int(o["threads"] * o["heavy_share"]))
        started = timezone.now()
        made = {"threads": 0, "messages": 0, "steps": 0, "feedback": 0}
        for first in range(0, o["threads"], o["batch"]):
            plan = [
                (heavy if i < heavy_threads else rng.choice(others), counts[i])
                for i in range(first, min(first + o["batch"], o["threads"]))
            ]
            with transaction.atomic():
                for key, value in self.batch(seeder, plan, o).items():
                    made[key] += value
            self.stdout.write(
                f"{made['threads']} threads, {made['messages']} messages "
                f"({(timezone.now() - started).total_seconds():.0f} s)"
            )
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for model in (get_user_model(), Thread, Message, Step, Feedback):
                    cursor.execute(f"ANALYZE {model._meta.db_table}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {made['threads']} threads, {made['messages']} messages, "
                f"{made['steps']} steps, {made['feedback']} ratings for {len(users)} users "
                f"in {(timezone.now() - started).total_seconds():.0f} s. "
                f"Heavy user: {heavy.email}."
            )
        )

    def users(self, count: int, password: str) -> list[Any]:
        User = get_user_model()
        emails = [f"seed-{n:04d}@example.com" for n in range(max(1, count))]
        hashed = make_password(password)  # one hash for all: hashing is slow on purpose
        User.objects.bulk_create(
            [User(email=e, password=hashed) for e in emails], ignore_conflicts=True
        )
        found = {u.email: u for u in User.objects.filter(email__in=emails)}
        return [found[e] for e in emails]

    @staticmethod
    def message_counts(rng: random.Random, threads: int, messages: int, long: int) -> list[int]:
        """Messages per thread: varied, at least two each, adding up to `messages`."""
        long = min(long, messages - 2 * (threads - 1)) if threads > 1 else messages
        rest = messages - long
        base = rest / max(1, threads - 1)
        counts = [long] + [max(2, round(base * rng.uniform(0.4, 1.6))) for _ in range(threads - 1)]
        index = 1
        while sum(counts) != messages and threads > 1:
            step = 1 if sum(counts) < messages else -1
            if step > 0 or counts[index] > 2:
                counts[index] += step
            index = index + 1 if index + 1 < threads else 1
        return counts

    def batch(self, seeder: Seeder, plan: list[tuple[Any, int]], o: dict) -> dict[str, int]:
        rng = seeder.rng
        threads: list[Thread] = []
        messages: list[Message] = []
        steps: list[Step] = []
        feedback: list[Feedback] = []
        for owner, count in plan:
            # Started: opening it resumes the conversation (on_chat_resume), as for a real one.
            thread = Thread(id=uuid.uuid4(), owner=owner, metadata={"started": True})
            moment = seeder.start_time()
            thread.created_at = moment
            order = 0
            with_step = rng.random() < o["step_rate"]
            for n in range(count):
                moment += timedelta(seconds=rng.randint(5, 120))
                order += 1
                is_user = n % 2 == 0
                if not is_user and with_step and n == 1:
                    steps.append(
                        Step(
                            id=uuid.uuid4(),
                            thread=thread,
                            order=order,
                            type="tool",
                            name="search_documents",
                            input=f'{{"query": "{seeder.words(2, 4)}"}}',
                            output=seeder.words(10, 30),
                            started_at=moment,
                            ended_at=moment + timedelta(milliseconds=rng.randint(50, 2000)),
                        )
                    )
                    order += 1
                message = Message(
                    id=uuid.uuid4(),
                    thread=thread,
                    order=order,
                    author_kind=Message.Author.USER if is_user else Message.Author.ASSISTANT,
                    author_name=owner.email.split("@")[0] if is_user else "Assistant",
                    content=seeder.user_text() if is_user else seeder.assistant_text(),
                    created_at=moment,
                    updated_at=moment,
                )
                messages.append(message)
                if n == 0:
                    thread.title = title_from(message.content)
                if not is_user and rng.random() < o["feedback_rate"]:
                    down = rng.random() < 0.3
                    feedback.append(
                        Feedback(
                            message=message,
                            thread=thread,
                            user=owner,
                            value=-1 if down else 1,
                            comment=(seeder.words(5, 15) if rng.random() < 0.5 else ""),
                            created_at=moment,
                            updated_at=moment,
                        )
                    )
            thread.updated_at = moment
            thread.last_order = order
            threads.append(thread)
        Thread.objects.bulk_create(threads, batch_size=2000)
        Message.objects.bulk_create(messages, batch_size=2000)
        Step.objects.bulk_create(steps, batch_size=2000)
        Feedback.objects.bulk_create(feedback, batch_size=2000)
        return {
            "threads": len(threads),
            "messages": len(messages),
            "steps": len(steps),
            "feedback": len(feedback),
        }
