"""Diffusion Thermodynamics Lab: assembles the Dash app.  ``server`` is for gunicorn."""
from __future__ import annotations

import os
import secrets

import dash

from components.background import background_manager, jobs_folder, serial_blas_in_the_server
from components.cache import cache_config, init_cache
from components.hardening import harden
from components.layout import app_layout
from components.lessons import lessons
from components.plotting import warm_figures
from components.readiness import register_readiness
from core.warmup import warm_kernels

serial_blas_in_the_server()   # before any request thread: a job's fork must never meet a BLAS pool mid-call
manager = background_manager()
app = dash.Dash(__name__, use_pages=True, title="Diffusion Thermodynamics Lab",
                suppress_callback_exceptions=True, health_endpoint="healthz",
                compress=True, background_callback_manager=manager,
                # a phone lays the page out at its own width, not at a 980 px desktop's (issue 22)
                meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}])
server = app.server
# Dash signs background jobs' handles with the server's secret, else with one it keeps in the job store — Redis
# under Celery, so with Redis down each worker made its own and rejected the others' handles.  One secret, made
# before gunicorn forks (--preload), serves every worker; several web containers share SECRET_KEY.
server.secret_key = os.environ.get("SECRET_KEY") or secrets.token_hex(32)
#: The Celery application when REDIS_URL is set (``celery -A app:celery_app worker``), else None.
celery_app = getattr(manager, "handle", None) if isinstance(manager, dash.CeleryManager) else None
init_cache(server)
register_readiness(server, cache_config(), jobs_folder(), os.environ.get("REDIS_URL"), celery_app)
app.layout = app_layout
WARMUP_SECONDS = warm_kernels()  # no JIT compile on a user's request path
warm_figures()
lessons()  # every lesson file read and validated now: a bad one stops the server with its reason, not a request
# Dash sets itself up on a worker's first request and raises its "done" flag before it has
# registered its script paths, so a second thread's request for a script in that window got
# "dash is not a registered library" (seen under gunicorn with threads).  Set up once here,
# before gunicorn forks (--preload), so every worker starts ready.
with server.test_request_context("/"):
    app._setup_server()
harden(app)  # after setup: it checks requests against the full callback map

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "8050")),
            debug=os.environ.get("DASH_DEBUG", "") == "1")
