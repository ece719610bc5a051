"""Quotas: a person's own, or the most generous of their groups'; a warning once at 80 %,
new questions refused at 100 % with when it resets and whom to ask, a running answer
finishing; a day's lift by staff; the reset at the period's edge; exact counts under many
concurrent answers on PostgreSQL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection, connections, transaction
from django.utils import timezone

from chat.models import AnswerReservation, Message, ModelCall, Quota, QuotaLift, UsageCounter
from chat.usage import quotas, recording
from chat.usage.quotas import QuotaExceeded
from tests.factories import make_thread, make_user

ANSWER = {"provider": "openai", "model": "priced-model", "input_tokens": 60, "output_tokens": 40}


@pytest.fixture
def frozen(monkeypatch):
    """Sets the clock: frozen(datetime) makes timezone.now() (and localdate) return it."""

    def freeze(moment: datetime) -> None:
        monkeypatch.setattr(timezone, "now", lambda: moment)

    return freeze


def spend(user, tokens_answer: dict = ANSWER) -> None:
    """One whole answer, as the chat session runs it: admitted, recorded, released."""
    answer, _warning = quotas.admit(user)
    recording.record(
        user_id=user.pk, thread_id=None, chat_profile="", generation=tokens_answer, answer=answer
    )
    if answer is not None:
        quotas.release(user, answer)


# -- which limit holds ---------------------------------------------------------------------
@pytest.mark.django_db
def test_a_person_in_several_groups_gets_the_most_generous_and_their_own_quota_wins(user):
    small, large = Group.objects.create(name="Interns"), Group.objects.create(name="Research")
    user.groups.add(small, large)
    Quota.objects.create(group=small, period="day", metric="tokens", limit=1000)
    Quota.objects.create(group=large, period="day", metric="tokens", limit=50_000)
    Quota.objects.create(group=small, period="month", metric="cost", limit=5)
    assert {(q.period, q.metric, q.limit) for q in quotas.limits_for(user)} == {
        ("day", "tokens", Decimal(50_000)),
        ("month", "cost", Decimal(5)),
    }
    Quota.objects.create(user=user, period="day", metric="tokens", limit=200)
    assert ("day", "tokens", Decimal(200)) in {
        (q.period, q.metric, q.limit) for q in quotas.limits_for(user)
    }
    # Someone outside the groups has no limit at all.
    assert quotas.limits_for(make_user()) == []


# -- warning, refusal, lift, reset ---------------------------------------------------------
@pytest.mark.django_db
def test_the_warning_comes_once_at_80_percent_and_the_refusal_says_when_and_whom_to_ask(
    settings, user, frozen
):
    settings.CHAT_QUOTA_CONTACT = "it-help@example.com"
    frozen(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    Quota.objects.create(user=user, period="day", metric="tokens", limit=500)
    for _ in range(3):
        spend(user)  # 300 of 500: no warning due
    answer, warning = quotas.admit(user)
    assert warning is None
    recording.record(
        user_id=user.pk, thread_id=None, chat_profile="", generation=ANSWER, answer=answer
    )
    # 400 of 500: the answer that crossed 80 % brings the warning, once.
    assert quotas.release(user, answer) == (
        "You have used 80% of your daily allowance of 500 tokens. When it is used up, new "
        "questions wait until it resets."
    )
    answer, warning = quotas.admit(user)
    assert warning is None
    recording.record(
        user_id=user.pk, thread_id=None, chat_profile="", generation=ANSWER, answer=answer
    )
    assert quotas.release(user, answer) is None
    with pytest.raises(QuotaExceeded) as refused:
        quotas.admit(user)
    text = str(refused.value)
    assert "daily allowance of 500 tokens" in text
    assert "March 11, 2026, midnight (UTC)" in text
    assert "ask it-help@example.com" in text


@pytest.mark.django_db
def test_a_cost_limit_counts_the_priced_calls(settings, user):
    settings.CHAT_MODEL_PRICES = {"priced-model": {"input": 1000, "output": 1000}}
    Quota.objects.create(user=user, period="month", metric="cost", limit=Decimal("0.25"))
    spend(user)  # 100 tokens at 1000 per million: 0.10
    spend(user)
    spend(user)  # 0.30: over
    with pytest.raises(QuotaExceeded, match=r"monthly allowance of 0\.25 USD"):
        quotas.admit(user)


@pytest.mark.django_db
def test_staff_lift_a_persons_limits_for_that_day_only(user, frozen):
    frozen(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    Quota.objects.create(user=user, period="day", metric="tokens", limit=100)
    spend(user)
    with pytest.raises(QuotaExceeded):
        quotas.admit(user)
    QuotaLift.objects.create(user=user, reason="quarter close")
    spend(user)
    spend(user)  # no limit holds today
    frozen(datetime(2026, 3, 11, 9, 0, tzinfo=UTC))
    spend(user)  # a new day: its own allowance
    with pytest.raises(QuotaExceeded):
        quotas.admit(user)


@pytest.mark.django_db
def test_the_day_resets_at_midnight_and_the_month_on_the_first(user, frozen):
    Quota.objects.create(user=user, period="day", metric="tokens", limit=100)
    Quota.objects.create(user=user, period="month", metric="tokens", limit=300)
    frozen(datetime(2026, 1, 30, 23, 59, 59, tzinfo=UTC))
    spend(user)
    with pytest.raises(QuotaExceeded, match="daily"):
        quotas.admit(user)
    frozen(datetime(2026, 1, 31, 0, 0, 0, tzinfo=UTC))
    spend(user)
    frozen(datetime(2026, 1, 31, 23, 0, tzinfo=UTC))
    with pytest.raises(QuotaExceeded, match="daily"):
        quotas.admit(user)
    frozen(datetime(2026, 2, 1, 0, 0, tzinfo=UTC))
    spend(user)  # a new day and a new month
    assert UsageCounter.objects.get(user=user, period="month", start="2026-01-01").tokens == 200
    assert UsageCounter.objects.get(user=user, period="month", start="2026-02-01").tokens == 100


# -- through the chat ------------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
async def test_in_the_chat_the_warning_shows_once_and_a_used_up_limit_refuses_the_question(
    use_assistant, open_chat, thread, user
):
    use_assistant("spender")
    await Quota.objects.acreate(user=user, period="day", metric="tokens", limit=250)
    chat = await open_chat(thread, user)
    await chat.send("one")
    await chat.send("two")  # 200 of 250
    await chat.tab.until(lambda f: "You have used 80% of your daily allowance" in f)
    await chat.send("three")  # admitted under the limit: it finishes, to 300
    assert (await chat.last_reply()).content == "answered: three"
    with pytest.raises(QuotaExceeded, match="You have used your daily allowance of 250 tokens"):
        await chat.send("four")
    said = [m.content async for m in Message.objects.filter(thread=thread, author_kind="user")]
    assert said == ["one", "two", "three"]  # the refused question was not stored
    warnings = [f for f in chat.tab.frames if "You have used 80%" in f]
    assert len(warnings) == 1


@pytest.mark.django_db(transaction=True)
async def test_in_the_chat_a_groups_used_up_limit_refuses_its_members_question(
    use_assistant, open_chat, thread, user
):
    # Whether a quota may hold is read with the thread's open question, in one statement:
    # a group's quota counts as a person's own does.
    use_assistant("spender")
    group = await Group.objects.acreate(name="Interns")
    await user.groups.aadd(group)
    await Quota.objects.acreate(group=group, period="day", metric="tokens", limit=100)
    chat = await open_chat(thread, user)
    await chat.send("one")  # 100 of 100
    with pytest.raises(QuotaExceeded, match="You have used your daily allowance of 100 tokens"):
        await chat.send("two")
    said = [m.content async for m in Message.objects.filter(thread=thread, author_kind="user")]
    assert said == ["one"]


# -- many answers at once --------------------------------------------------------------------
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
@pytest.mark.django_db(transaction=True)
def test_fifty_concurrent_answers_never_pass_the_limit_by_more_than_one_answer():
    person = make_user()
    thread = make_thread(person)
    limit = 1000
    Quota.objects.create(user=person, period="day", metric="tokens", limit=limit)
    start = threading.Barrier(50)
    admitted: list[int] = []
    errors: list[BaseException] = []

    def asker() -> None:
        try:
            start.wait()
            while True:
                try:
                    answer, _warning = quotas.admit(person)
                except QuotaExceeded as refused:
                    if "may use the rest" in str(refused):
                        time.sleep(0.01)  # answers still running: ask again
                        continue
                    return  # used up
                admitted.append(1)
                # An answer of two calls, the second after a pause: others run meanwhile.
                half = {**ANSWER, "input_tokens": 30, "output_tokens": 20}
                for _ in range(2):
                    recording.record(
                        user_id=person.pk,
                        thread_id=thread.pk,
                        chat_profile="",
                        generation=half,
                        answer=answer,
                    )
                    time.sleep(0.005)
                quotas.release(person, answer)
        except BaseException as error:  # reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=asker) for _ in range(50)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    counter = UsageCounter.objects.get(user=person, period="day")
    stored = sum(c.total_tokens for c in ModelCall.objects.filter(user=person))
    # No update lost: the counter is the sum of the calls.
    assert counter.tokens == stored == 100 * len(admitted)
    assert limit <= counter.tokens <= limit + 100


# -- a question's admission made again with its call -------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_an_admission_rolled_back_with_the_writes_it_shared_a_transaction_with_is_made_again(
    user,
):
    Quota.objects.create(user=user, period="day", metric="tokens", limit=1000)
    admission = quotas.Admission()

    def a_shared_trip_that_failed() -> None:
        with transaction.atomic():
            admission.admit(user)
            raise RuntimeError("another write spoiled the transaction")

    with pytest.raises(RuntimeError):
        a_shared_trip_that_failed()
    assert not AnswerReservation.objects.filter(user_id=user.pk).exists()
    admission.admit(user)  # the question stored again, on its own
    assert AnswerReservation.objects.filter(user_id=user.pk).count() == 1
    admission.admit(user)  # made again after a lost connection: it was committed, it stands
    assert AnswerReservation.objects.filter(user_id=user.pk).count() == 1
    assert admission.outcome[0].reservation_id == AnswerReservation.objects.get().pk
