# The lab as a container: gunicorn serves app:server with workers and threads from the environment.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    NUMBA_CACHE_DIR=/app/.numba-cache \
    NUMBA_CPU_NAME=generic \
    CACHE_DIR=/tmp/dtlab-cache \
    PORT=8050 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=2 \
    GUNICORN_TIMEOUT=60

RUN useradd --create-home --uid 1000 lab
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY --chown=lab:lab . .
USER lab
# Compile every numba kernel now, so neither start-up nor a first request pays for it.
RUN mkdir -p "$NUMBA_CACHE_DIR" && python -c "import app; print('kernels warmed in', app.WARMUP_SECONDS, 's')"

EXPOSE 8050
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('PORT', '8050'), timeout=4)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:server"]
