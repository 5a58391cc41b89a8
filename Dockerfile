# The lab as a container: gunicorn serves app:server with workers and threads from the environment.
# Tested for real by tests/test_container.py (built with podman on a Debian bookworm base, served from
# the image's filesystem); see the README's Container section.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NUMBA_CACHE_DIR=/app/.numba-cache \
    NUMBA_CPU_NAME=generic \
    CACHE_DIR=/tmp/dtlab-cache \
    BACKGROUND_CACHE_DIR=/tmp/dtlab-jobs \
    PORT=8050 \
    WEB_CONCURRENCY=2 \
    GUNICORN_THREADS=4 \
    GUNICORN_TIMEOUT=60

RUN useradd --create-home --uid 1000 lab
# Real images for the Images page: Debian's Fashion-MNIST (MIT license; the original IDX files, 30 MB) where
# core/image_sets.py looks for it. MNIST or KMNIST can be mounted under DATA_DIR (README, "Real images").
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends dataset-fashion-mnist >/dev/null \
 && apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
WORKDIR /app
COPY requirements.txt .
# Cut what a server never reads: the packages' own test suites (~50 MB), Dash's source maps (served
# only in debug mode) and plotly's JupyterLab extension.
RUN pip install -r requirements.txt \
 && site=$(python -c "import sysconfig; print(sysconfig.get_paths()['purelib'])") \
 && for pkg in numpy scipy sklearn numba llvmlite; do \
      find "$site/$pkg" -depth -type d -name tests -exec rm -rf {} +; done \
 && find "$site/dash" -name '*.map' -delete \
 && rm -rf "$site/plotly/labextension"
# The code belongs to root and is read-only to the server; only the numba cache is the server's.
COPY . .
RUN python -m compileall -q app.py core components pages \
 && mkdir "$NUMBA_CACHE_DIR" && chown lab:lab "$NUMBA_CACHE_DIR"
USER lab
# Compile every numba kernel now, so neither start-up nor a first request pays for it.
RUN python -c "import app; print('kernels warmed in', round(app.WARMUP_SECONDS, 2), 's')"

EXPOSE 8050
# Readiness, not mere liveness: /readyz fails (503) while a part the lab needs does not answer — the cache folder,
# or under REDIS_URL Redis and the Celery workers (components/readiness.py); /healthz only says the process serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '8050'), timeout=4)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:server"]
