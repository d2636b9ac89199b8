"""The tm web editor: a Flask app over the tm library (thin views, no SQL, no model code)."""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from flask import Flask, Response, abort, g, jsonify, make_response, render_template, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import IntegerConverter

from tm.candidates import SERVER_FEED_EVERY
from tm.config import Settings
from tm.deliverer import Deliverer
from tm.documents import Documents
from tm.errors import Busy, Forbidden, NotFound, QABlocked, StaleUnit, TMError, UnitNotFound
from tm.glossary import Glossary
from tm.jobs import Worker
from tm.memory import TranslationMemory
from tm.queue_rq import RQJobs
from tm.store import Store, open_store
from web import assets
from web.jobs import job_kinds
from web.security import Throttle, install_security

MB = 1024 * 1024
MAX_ID = 2**63 - 1  # ids are the database's 64-bit integers


class Services:
    """What the views use: the memory, documents, glossary, MT and background jobs."""

    def __init__(self, settings: Settings, store: Store, translator: Any, *, start_worker: bool = True):
        self.settings = settings
        self.store = store
        # lookups in requests never rebuild the index (a big change is rebuilt in the
        # background), and read other processes' changes from the feed a few times a second
        self.memory = TranslationMemory(store, background=True, feed_every=SERVER_FEED_EVERY)
        self.glossary = Glossary(store)
        self.documents = Documents(self.memory, self.glossary)
        kinds = job_kinds(self)
        # jobs run in this process, or go through a queue on Redis to `tm worker` processes
        self.worker: Worker | RQJobs = Worker(store, kinds)
        if settings.queue:
            self.worker = RQJobs(store, kinds, settings.queue)
        self.throttle = Throttle(store)
        self._translator = translator
        self._translator_lock = threading.Lock()
        # webhooks: sends what the outbox holds, signed, with retries
        self.deliverer = Deliverer(store, allow_private=bool(settings.webhook_private))
        if start_worker:
            self.worker.start()
            self.deliverer.start()

    def close(self) -> None:
        """Stop the worker and the webhook deliverer, save the index and close the store."""
        self.worker.stop()
        self.deliverer.stop()
        self.memory.close()

    def translator(self) -> Any:
        """Return the MT engine, loading the configured model on first use (ModelUnavailable if none)."""
        with self._translator_lock:
            return self._load_translator()

    def _load_translator(self) -> Any:
        if self._translator is not None:
            return self._translator
        from tm.mt import MTOptions, load_translator
        from tm.mt.cache import CachedTranslator

        s = self.settings
        # ModelUnavailable reaches pre-translation, which notes it on the document
        engine = load_translator(
            s.model or None,
            engine=s.engine,
            options=MTOptions(beams=s.beams, batch_size=s.batch_size, threads=s.threads),
            download=not s.offline,
        )
        self._translator = CachedTranslator(engine, self.store)
        return self._translator


def create_app(
    settings: Settings | None = None, *, store: Store | None = None, translator: Any = None
) -> Flask:
    """Build the app; tests pass a store and a translator, `tm serve` passes settings."""
    settings = settings or Settings.from_env()
    store = store or open_store(settings.db, create=bool(settings.create), busy_wait=settings.busy_wait)
    app = Flask(__name__)
    # ids in addresses must fit a 64-bit integer: a larger one is no page (404), not a crash
    app.url_map.converters["int"] = _StoreInt
    app.config.update(
        SECRET_KEY=store.accounts.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        # uploads (TM_MAX_UPLOAD_MB); pasted text and other fields (TM_MAX_PASTE_MB): far above a
        # 5,000-sentence document, far below a stall
        MAX_CONTENT_LENGTH=settings.max_upload_mb * MB,
        MAX_FORM_MEMORY_SIZE=settings.max_paste_mb * MB,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["tm"] = Services(settings, store, translator)

    @app.before_request
    def refuse_huge_bodies() -> None:
        # from the Content-Length alone, before anything reads the body: only a file upload
        # (multipart) may be larger than a paste; Werkzeug would read a urlencoded or JSON body whole
        size = request.content_length or 0
        limit = app.config["MAX_CONTENT_LENGTH"]
        if request.mimetype != "multipart/form-data":
            limit = min(limit, app.config["MAX_FORM_MEMORY_SIZE"])
        if size > limit:
            abort(413)

    install_security(app)
    assets.install(app)
    app.jinja_env.globals["provenance_label"] = lambda p: PROVENANCE_LABELS.get(p or "", p or "unknown")
    app.jinja_env.globals["provenance_labels"] = PROVENANCE_LABELS  # the editor's script reads the same
    app.jinja_env.globals["origin_badge"] = origin_badge  # the editor's JSON sends the same (`badge`)
    # metadata as people write it: Arabic as Arabic, not \u escapes (autoescaping still applies)
    app.jinja_env.filters["readable_json"] = lambda v: json.dumps(v, ensure_ascii=False)

    from web import api, auth, comments, documents, glossary, memory, reports, tools, v1

    for module in (auth, documents, api, v1, comments, tools, reports, memory, glossary):
        app.register_blueprint(module.bp)
    v1.limits.install(app, settings)

    @app.errorhandler(TMError)
    def tm_error(e: TMError) -> Response:
        if isinstance(e, Busy):
            response = _error(503, str(e))
            response.headers["Retry-After"] = "2"
            return response
        if isinstance(e, UnitNotFound | NotFound):
            status = 404
        elif isinstance(e, StaleUnit):
            status = 409
        elif isinstance(e, Forbidden):  # with the reason (who the document is assigned to)
            status = 403
        elif isinstance(e, QABlocked):  # the API answers with the findings (web/api.py)
            status = 422
        else:
            status = 400
        return _error(status, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Response:
        messages = {
            404: "There is nothing at this address.",
            403: "Your account cannot do this. Ask an admin if you need it.",
            413: (
                f"This is more than tm takes at once (pasted text up to {settings.max_paste_mb} MB, files "
                f"up to {settings.max_upload_mb} MB); split it into parts, or ask the admin to raise "
                "TM_MAX_PASTE_MB or TM_MAX_UPLOAD_MB."
            ),
        }
        # a description given by the view (abort(413, "...")) says more than the general words
        if isinstance(e, MethodNotAllowed) and _id_out_of_range(request.path):
            # Werkzeug checks the method before the id's range: an id no row can have is no page
            return _error(404, messages[404])
        given = e.description if e.description != type(e).description else None
        response = _error(e.code or 500, given or messages.get(e.code or 500, e.description or e.name))
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            response.headers["Allow"] = ", ".join(e.valid_methods)  # RFC 9110: say which methods are
        return response

    return app


def origin_badge(origin: str | None, score: int | float | None) -> str:
    """Return a sentence's origin as its badge shows it: 101, 100, 87%, 87% adapted, MT or —."""
    if origin == "context":
        return "101"
    if origin == "exact":
        return "100"
    if origin == "fuzzy":
        return f"{score}%"
    if origin == "adapted":
        return f"{score}% adapted"
    if origin == "mt":
        return "MT"
    return "—"


# How a confirmed English came to be, in the words the pages and the editor's script use
PROVENANCE_LABELS = {
    "mt-unchanged": "MT unchanged",
    "mt-edited": "MT edited",
    "match-unchanged": "match unchanged",
    "match-edited": "match edited",
    "scratch": "written anew",
}


def _id_out_of_range(path: str) -> bool:
    return any(int(n) > MAX_ID for n in re.findall(r"/(\d+)(?=/|$)", path))


class _StoreInt(IntegerConverter):
    """An <int:...> URL part that fits the database's 64-bit integers."""

    def __init__(self, url_map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


# The integration API's error codes, by status: {"error": {"code": ..., "message": ...}}
API_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "unprocessable",
    429: "too_many_requests",
    503: "busy",
}


def _error(status: int, message: str) -> Response:
    if request.path.startswith("/api/v1/"):
        response = jsonify(error={"code": API_CODES.get(status, "error"), "message": message})
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="tm"'
    elif request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        response = jsonify(error=message)
    else:
        response = make_response(
            render_template("error.html", status=status, message=message, user=g.get("user"))
        )
    response.status_code = status
    return response


def services() -> Services:
    """Return the app's services (inside a request)."""
    from flask import current_app

    return current_app.extensions["tm"]
