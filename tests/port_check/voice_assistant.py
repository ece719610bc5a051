"""A voice assistant written as a Chainlit app: it listens through the microphone, stops
listening after a silence, transcribes the recording with Whisper, answers with a chat
model and reads the answer aloud, keeping the question and the answer as Audio elements.

A Chainlit app: only `import chainlit as cl` became `import chat.sdk as cl`.
"""

import io
import os
import wave

import numpy as np
from openai import AsyncOpenAI

import chat.sdk as cl

SILENCE_THRESHOLD = 3500  # RMS below which a piece is silence
SILENCE_TIMEOUT = 1300.0  # ms of silence after speech that ends the question
SAMPLE_RATE = 24000


def openai_client() -> AsyncOpenAI:
    return AsyncOpenAI(
        base_url=os.environ.get("OPENAI_BASE_URL"), api_key=os.environ.get("OPENAI_API_KEY")
    )


@cl.step(type="tool")
async def speech_to_text(audio_file):
    response = await openai_client().audio.transcriptions.create(model="whisper-1", file=audio_file)
    return response.text


@cl.step(type="tool")
async def generate_text_answer(transcription):
    response = await openai_client().chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": transcription}]
    )
    return response.choices[0].message.content


@cl.step(type="tool")
async def text_to_speech(text: str):
    response = await openai_client().audio.speech.create(
        model="tts-1", voice="alloy", input=text, response_format="wav"
    )
    return "answer.wav", response.content


@cl.on_chat_start
async def start():
    await cl.Message(content="Welcome! Press the microphone and ask your question.").send()


@cl.on_audio_start
async def on_audio_start():
    cl.user_session.set("silent_duration_ms", 0)
    cl.user_session.set("is_speaking", False)
    cl.user_session.set("audio_chunks", [])
    return True


@cl.on_audio_chunk
async def on_audio_chunk(chunk: cl.InputAudioChunk):
    audio_chunks = cl.user_session.get("audio_chunks")
    if audio_chunks is not None:
        audio_chunks.append(np.frombuffer(chunk.data, dtype=np.int16))

    if chunk.isStart:
        cl.user_session.set("last_elapsed_time", chunk.elapsedTime)
        cl.user_session.set("is_speaking", True)
        return

    last_elapsed_time = cl.user_session.get("last_elapsed_time")
    silent_duration_ms = cl.user_session.get("silent_duration_ms")
    is_speaking = cl.user_session.get("is_speaking")

    time_diff_ms = chunk.elapsedTime - last_elapsed_time
    cl.user_session.set("last_elapsed_time", chunk.elapsedTime)

    samples = np.frombuffer(chunk.data, dtype=np.int16).astype(np.float64)
    audio_energy = float(np.sqrt(np.mean(samples**2))) if len(samples) else 0.0
    if audio_energy < SILENCE_THRESHOLD:
        silent_duration_ms += time_diff_ms
        cl.user_session.set("silent_duration_ms", silent_duration_ms)
        if silent_duration_ms >= SILENCE_TIMEOUT and is_speaking:
            cl.user_session.set("is_speaking", False)
            await process_audio()
    else:
        cl.user_session.set("silent_duration_ms", 0)
        if not is_speaking:
            cl.user_session.set("is_speaking", True)


@cl.on_audio_end
async def on_audio_end():
    if cl.user_session.get("is_speaking"):
        await process_audio()


async def process_audio():
    audio_chunks = cl.user_session.get("audio_chunks")
    if not audio_chunks:
        return
    concatenated = np.concatenate(list(audio_chunks))
    wav_buffer = io.BytesIO()
    with wave.open(wav_buffer, "wb") as wav_file:
        wav_file.setnchannels(1)
        wav_file.setsampwidth(2)
        wav_file.setframerate(SAMPLE_RATE)
        wav_file.writeframes(concatenated.tobytes())
    cl.user_session.set("audio_chunks", [])

    duration = len(concatenated) / SAMPLE_RATE
    if duration <= 0.5:
        print("The audio is too short, please try again.")
        return

    audio_buffer = wav_buffer.getvalue()
    input_audio_el = cl.Audio(content=audio_buffer, mime="audio/wav", name="question.wav")
    whisper_input = ("audio.wav", audio_buffer, "audio/wav")
    transcription = await speech_to_text(whisper_input)

    await cl.Message(
        author="You", type="user_message", content=transcription, elements=[input_audio_el]
    ).send()

    text_answer = await generate_text_answer(transcription)
    output_name, output_audio = await text_to_speech(text_answer)
    output_audio_el = cl.Audio(
        auto_play=True, mime="audio/wav", content=output_audio, name=output_name
    )
    answer_message = await cl.Message(content=text_answer).send()
    answer_message.elements = [output_audio_el]
    await answer_message.update()
