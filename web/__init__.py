"""The tm web editor: a Flask app over the tm library (thin views, no SQL, no model code)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from tm.config import Settings
from tm.documents import Documents
from tm.errors import StaleUnit, TMError, UnitNotFound
from tm.glossary import Glossary
from tm.memory import TranslationMemory
from tm.store import Store, open_store
from tm.store.sqlite_web import NotFound
from web.jobs import Jobs
from web.security import Throttle, install_security

MAX_UPLOAD = 200 * 1024 * 1024


class Services:
    """What the views use: the memory, documents, glossary, MT and background jobs."""

    def __init__(self, settings: Settings, store: Store, translator: Any):
        self.settings = settings
        self.store = store
        self.memory = TranslationMemory(store)
        self.glossary = Glossary(store)
        self.documents = Documents(self.memory, self.glossary)
        self.jobs = Jobs()
        self.throttle = Throttle()
        self._translator = translator

    def translator(self) -> Any:
        """Return the MT engine, loading the configured model on first use (ModelUnavailable if none)."""
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
    store = store or open_store(settings.db)
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=store.secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=bool(settings.secure_cookies),
        MAX_CONTENT_LENGTH=MAX_UPLOAD,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.extensions["tm"] = Services(settings, store, translator)
    install_security(app)

    from web import api, auth, documents, glossary, memory

    for module in (auth, documents, api, memory, glossary):
        app.register_blueprint(module.bp)

    @app.errorhandler(TMError)
    def tm_error(e: TMError):  # type: ignore[no-untyped-def]
        status = 404 if isinstance(e, UnitNotFound | NotFound) else 409 if isinstance(e, StaleUnit) else 400
        return _error(status, str(e))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):  # type: ignore[no-untyped-def]
        messages = {
            404: "There is nothing at this address.",
            403: "Your account cannot do this. Ask an admin if you need it.",
            413: f"The file is larger than {MAX_UPLOAD // (1024 * 1024)} MB.",
        }
        return _error(e.code or 500, messages.get(e.code or 500, e.description or e.name))

    return app


def _error(status: int, message: str):  # type: ignore[no-untyped-def]
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        return jsonify(error=message), status
    return render_template("error.html", status=status, message=message, user=g.get("user")), status


def services() -> Services:
    """Return the app's services (inside a request)."""
    from flask import current_app

    return current_app.extensions["tm"]
