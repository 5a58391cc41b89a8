"""What stands between the lab and hostile or heavy traffic.

- a request body limit (``MAX_REQUEST_BYTES``, Flask answers 413 above it);
- callback requests checked against the app's callback map before Dash sees them: a body that is
  not a callback of this app gets a 400 with a one-line reason, never a traceback;
- a deadline per callback (``REQUEST_TIMEOUT`` s, below gunicorn's worker timeout): a computation
  that overruns answers with a notice on the page instead of getting its worker killed;
- security headers: a Content-Security-Policy with what Dash and plotly need, nosniff, a
  referrer policy and frame-ancestors ('self' unless ``FRAME_ANCESTORS`` says otherwise);
- error pages without stack traces;
- a session id per browser (a signed cookie), by which its background jobs are counted.
"""
from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import re
import secrets
import threading

import flask

from components import ids

log = logging.getLogger(__name__)
UPDATE_ENDPOINT = "/_dash-update-component"
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(8 * 2**20)))
REQUEST_TIMEOUT = float(os.environ.get("REQUEST_TIMEOUT", "20"))
#: Callback computations allowed in flight per worker process, counting overrun ones still running.
IN_FLIGHT = int(os.environ.get("CALLBACKS_IN_FLIGHT", "8"))
#: Where a request carries who sent it (the WSGI environ: shared with the callback's own thread).
CLIENT = "dtlab.client"


def content_security_policy(script_hashes) -> str:
    """CSP for a Dash page: scripts from the app itself and Dash's inline scripts by hash; plotly's
    WebGL traces (regl) compile shaders with ``new Function``, hence 'unsafe-eval'; plotly and
    MathJax set inline styles; downloads of figures are data/blob URLs."""
    scripts = " ".join(["'self'", "'unsafe-eval'", *script_hashes])
    frames = os.environ.get("FRAME_ANCESTORS", "'self'")
    return (f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
            f"img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
            f"object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors {frames}")


def inline_script_hashes(server) -> list[str]:
    """sha256 sources of the inline scripts in the page Dash serves.  Read from the served HTML:
    ``Dash.csp_hashes`` misses the inline clientside callback that Dash Pages adds for the title."""
    html = server.test_client().get("/").get_data(as_text=True)
    scripts = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", html, flags=re.S)
    return [f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts]


def callback_problem(body, callback_map) -> str | None:
    """Why ``body`` is not a callback request of this app, or None if it has the right shape.
    Values are not checked here: every callback validates its own (components.state)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in callback_map:
        return "unknown callback output"
    spec = callback_map[output]
    if "callback" not in spec:
        return "that callback runs in the browser"
    for key in ("inputs", "state"):
        given, wanted = body.get(key, []), spec.get(key, [])
        if not isinstance(given, list) or len(given) != len(wanted):
            return f"'{key}' must list {len(wanted)} item(s)"
        for item, want in zip(given, wanted, strict=True):
            if not _matches(item, want):
                return f"'{key}' does not match the callback"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    parts = output[2:-2].split("...") if output.startswith("..") else [output]
    outputs = body.get("outputs")
    if not output.startswith(".."):
        outputs = [outputs]
    if not isinstance(outputs, list) or len(outputs) != len(parts):
        return f"'outputs' must list {len(parts)} item(s)"
    for item, part in zip(outputs, parts, strict=True):
        if not _matches(item, {"id": part.rsplit(".", 1)[0], "property": part.rsplit(".", 1)[1]}, value=False):
            return "'outputs' does not match the callback"
    return None


#: Properties the browser only ever sends as text (Dash's own page routing assumes it).
TEXT_PROPERTIES = ("pathname", "search", "hash", "href")


def _declared_id(id_):
    """(the id as a dict or text, whether it is a pattern (ALL, MATCH…)): a dict id is serialized as JSON."""
    if isinstance(id_, str) and id_.startswith("{"):
        id_ = json.loads(id_)
    return id_, isinstance(id_, dict) and any(isinstance(v, list) for v in id_.values())


def _matches(item, want, value=True) -> bool:
    """One declared item: a dict with the property (a list of them for a pattern-matching id)."""
    declared, wildcard = _declared_id(want["id"])
    if wildcard != isinstance(item, list):
        return False
    if isinstance(declared, dict) and not wildcard and item.get("id") != declared:
        return False
    for one in item if wildcard else [item]:
        if not isinstance(one, dict) or one.get("property") != want["property"]:
            return False
        if wildcard and not isinstance(one.get("id"), dict):
            return False
        text = one.get("value")
        if value and want["property"] in TEXT_PROPERTIES and not isinstance(text, (str, type(None))):
            return False
        if value and want["property"] == "pathname" and text is not None and not text.startswith("/"):
            return False
    return True


def _refuse(status, message):
    return flask.Response(json.dumps({"message": message}), status=status, mimetype="application/json")


def _overrun_response():
    """A valid callback answer that updates no output and puts a notice on the page."""
    text = (f"That computation took longer than {REQUEST_TIMEOUT:g} s and was abandoned: try a smaller size "
            "(dimension, sample count or particles).")
    return flask.Response(json.dumps({"multi": True, "response": {}, "sideUpdate": {ids.NOTICE: {"children": text}}}),
                          mimetype="application/json")


class _Deadline:
    """Runs a view in a thread of its own (~0.1 ms; a persistent pool would not survive gunicorn's
    fork nor dash.testing stopping its server) and waits at most REQUEST_TIMEOUT for it."""

    def __init__(self):
        self.slots = threading.BoundedSemaphore(IN_FLIGHT)

    def run(self, view):
        if not self.slots.acquire(timeout=REQUEST_TIMEOUT):
            return _refuse(503, "The lab is busy: try again in a moment.")
        outcome, done = {}, threading.Event()
        bound = flask.copy_current_request_context(view)

        def work():
            try:
                outcome["response"] = bound()
            except BaseException as err:  # noqa: BLE001 — re-raised in the request thread
                outcome["error"] = err
            finally:
                self.slots.release()
                done.set()

        threading.Thread(target=work, name="callback", daemon=True).start()
        if not done.wait(REQUEST_TIMEOUT):
            log.warning("callback %s overran %s s", flask.request.get_json(silent=True, cache=True).get("output"),
                        REQUEST_TIMEOUT)
            return _overrun_response()
        if "error" in outcome:
            raise outcome["error"]
        return outcome["response"]


def harden(app) -> None:
    """Apply the limits, the callback check, the deadline and the headers to a Dash app."""
    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    server.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    dispatch = server.view_functions[UPDATE_ENDPOINT]
    deadline = _Deadline()

    def checked_dispatch(*args, **kwargs):
        body = flask.request.get_json(silent=True, cache=True)
        problem = callback_problem(body, app.callback_map)
        if problem:
            return _refuse(400, f"Not a callback request of this app: {problem}.")
        return deadline.run(lambda: dispatch(*args, **kwargs))

    server.view_functions[UPDATE_ENDPOINT] = checked_dispatch
    policy = {}

    @server.before_request
    def known_client():
        """Each browser gets a session id (a signed cookie): its background jobs are counted by it
        (components.background.JOBS_PER_CLIENT).  A request without the cookie counts by its address."""
        client = flask.session.get("client")
        flask.request.environ[CLIENT] = client if isinstance(client, str) else f"address {flask.request.remote_addr}"
        if client is None:
            flask.session["client"] = secrets.token_hex(8)

    @server.after_request
    def security_headers(response):
        if policy:
            response.headers.setdefault("Content-Security-Policy", policy["csp"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @server.errorhandler(413)
    def too_large(_err):
        return _refuse(413, f"Request body over {MAX_REQUEST_BYTES // 2**20} MiB.")

    @server.errorhandler(500)
    def server_error(_err):
        return _refuse(500, "The lab hit an internal error; it has been logged.")

    policy["csp"] = content_security_policy(inline_script_hashes(server))  # last: this serves a page
