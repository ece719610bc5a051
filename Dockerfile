# The web (daphne) and worker (celery) image. Built and run by docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    # The code in /app comes before the installed copy, so BASE_DIR is /app, where
    # templates/ and static/ live.
    PYTHONPATH=/app \
    CHAT_VAR_DIR=/app/var

RUN useradd --create-home --uid 10001 --shell /usr/sbin/nologin app
WORKDIR /app

# Optional extras, e.g. `docker compose build --build-arg EXTRAS=llm` (several: llm,elements).
ARG EXTRAS=""
# The dependencies first, from pyproject.toml alone: this layer is rebuilt only when they
# (or the extras) change, not on every change to the code.
COPY pyproject.toml ./
RUN python -c "import os, tomllib; project = tomllib.load(open('pyproject.toml', 'rb'))['project']; extras = [e.strip() for e in os.environ['EXTRAS'].split(',') if e.strip()]; print('\n'.join(project['dependencies'] + [d for e in extras for d in project['optional-dependencies'][e]]))" > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt
# Then the code, and the project itself without looking at its dependencies again.
COPY . .
RUN pip install --no-deps .

# Static files are collected at build time too, so that an image runs as it is; the web
# service collects again at start (quick when nothing changed). The key is a throwaway:
# collectstatic signs nothing.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R app:app var staticfiles

USER app
EXPOSE 8000
# No --proxy-headers: daphne would take the client's address from X-Forwarded-For
# whoever sent it. The app believes forwarded headers from CHAT_TRUSTED_PROXIES only.
# A ping to each websocket silent for 50 s (daphne's default, 20 s, cost 10,000 idle
# sockets ~3 % of a core), still under the 60 s idle timeout of common load balancers; a
# peer that does not answer within 30 s is dropped.
CMD ["daphne", "-b", "0.0.0.0", "-p", "8000", "--ping-interval", "50", "--ping-timeout", "30", "chatproject.asgi:application"]
