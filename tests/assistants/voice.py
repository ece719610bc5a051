"""Listens: gathers a recording's pieces, then says what it heard and plays a tone back.

Typing "refuse" makes on_audio_start refuse the next recording; "fail" makes on_audio_chunk
raise on the next piece.
"""

import math
import struct

import chat.sdk as cl


@cl.on_message
async def on_message(message: cl.Message):
    if message.content in ("refuse", "fail"):
        cl.user_session.set(message.content, True)
    await cl.Message(content=f"noted: {message.content}").send()


@cl.on_audio_start
async def on_audio_start():
    if cl.user_session.get("refuse"):
        return False
    cl.user_session.set("pieces", [])
    return True


@cl.on_audio_chunk
async def on_audio_chunk(chunk: cl.InputAudioChunk):
    if cl.user_session.get("fail"):
        raise RuntimeError("the chunk hook broke")
    cl.user_session.get("pieces").append(chunk)


@cl.on_audio_end
async def on_audio_end():
    pieces = cl.user_session.get("pieces")
    pcm = b"".join(p.data for p in pieces)
    samples = struct.unpack(f"<{len(pcm) // 2}h", pcm)
    loudest = max(abs(s) for s in samples)
    starts = [p.isStart for p in pieces]
    await cl.Message(
        content=(
            f"heard {len(pieces)} pieces, {len(pcm)} bytes, loudest {loudest}, "
            f"starts {starts.count(True)} first {starts[0]}, mime {pieces[0].mimeType}, "
            f"elapsed {pieces[-1].elapsedTime:.0f} ms"
        )
    ).send()
    tone = b"".join(
        struct.pack("<h", int(8000 * math.sin(2 * math.pi * 440 * i / 24000))) for i in range(2400)
    )
    await cl.context.emitter.send_audio_interrupt()
    await cl.context.emitter.send_audio_chunk(
        cl.OutputAudioChunk(mimeType="pcm16", data=tone, track="answer")
    )
