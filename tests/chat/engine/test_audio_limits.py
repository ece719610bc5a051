"""A recording's allowance ahead of real time, on a clock the test moves: pieces faster
than speech, or too many small ones, are refused; waiting saves up no allowance."""

from __future__ import annotations

import pytest

from chat.engine.audio import (
    BURST_SECONDS,
    PIECES_PER_SECOND,
    AudioLimits,
    AudioRefused,
    Recording,
)

LIMITS = AudioLimits(sample_rate=24000, max_seconds=60, max_chunk_bytes=64 * 1024)
TENTH = b"\0\0" * 2400  # a tenth of a second, as the page's worklet sends


def take_many(recording: Recording, piece: bytes, count: int) -> None:
    for _ in range(count):
        recording.take(piece)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_pieces_at_the_pace_of_speech_are_taken_for_a_whole_minute():
    clock = Clock()
    recording = Recording(LIMITS, clock=clock)
    for _ in range(599):
        chunk, full = recording.take(TENTH)
        assert not full
        clock.now += 0.1
    chunk, full = recording.take(TENTH)
    assert full
    assert chunk.elapsedTime == 60000


def test_thousands_of_tiny_pieces_are_refused_though_their_bytes_are_few():
    recording = Recording(LIMITS, clock=Clock())
    with pytest.raises(AudioRefused, match="too many small pieces"):
        take_many(recording, b"\0\0", int(BURST_SECONDS * PIECES_PER_SECOND) + 1)
    assert recording.received == 2 * BURST_SECONDS * PIECES_PER_SECOND


def test_a_recording_left_idle_saves_up_no_allowance_to_spend_at_once():
    clock = Clock()
    recording = Recording(LIMITS, clock=clock)
    clock.now += 3600  # an hour with the microphone open and nothing sent
    with pytest.raises(AudioRefused, match="faster than it can be spoken"):
        take_many(recording, TENTH, int(BURST_SECONDS * 10) + 1)
    # Nor pieces: a backlog of an hour's tiny ones is refused just the same.
    clock.now += 3600
    tiny = Recording(LIMITS, clock=clock)
    clock.now += 3600
    with pytest.raises(AudioRefused, match="too many small pieces"):
        take_many(tiny, b"\0\0", int(BURST_SECONDS * PIECES_PER_SECOND) + 1)


def test_a_backlog_within_the_burst_is_taken():
    clock = Clock()
    recording = Recording(LIMITS, clock=clock)
    clock.now += 1.0
    for _ in range(int(BURST_SECONDS * 10)):
        recording.take(TENTH)
    assert recording.seconds == pytest.approx(BURST_SECONDS)
