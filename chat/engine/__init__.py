"""The live run of a conversation: one session per open socket (or job, or platform
thread), the assistant's hooks, the emitter that stores then pushes, streaming, questions,
jobs. Stored conversations are chat.threads, one floor down."""
