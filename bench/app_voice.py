"""Bench-only assistant for bench/voice.py: gathers a recording's pieces, as a voice app
does before it transcribes them, and says how much it got (nothing more, so that what
is measured is the server's share)."""

import chat.sdk as cl


@cl.on_audio_start
async def start():
    cl.user_session.set("pieces", [])
    return True


@cl.on_audio_chunk
async def piece(chunk: cl.InputAudioChunk):
    cl.user_session.get("pieces").append(chunk.data)


@cl.on_audio_end
async def end():
    pieces = cl.user_session.get("pieces")
    await cl.Message(content=f"heard {sum(map(len, pieces))} bytes").send()
