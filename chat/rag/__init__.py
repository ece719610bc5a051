"""Document Q&A (RAG): documents users upload are read, split into passages and indexed;
questions retrieve the best passages, from the asking user's own documents and the team
libraries of their groups only.

- extract.py: text out of txt, md, html, pdf and docx files, as a stream (bounded memory);
- chunking.py: the stream cut into overlapping passages;
- index.py: passages stored and indexed (PostgreSQL full-text search, SQLite FTS5);
- retrieval.py: the passages that best answer a question;
- ingest.py: the ingestion job, with its progress shown in the thread (a task list).

The public API is `cl.rag` (chat/sdk/rag.py).
"""
