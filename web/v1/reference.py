"""The API's own description: the OpenAPI 3.1 document and a readable reference page (no token)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from flask import current_app, jsonify, render_template
from flask.typing import ResponseReturnValue

from web.v1 import bp
from web.v1.spec import Answer, openapi, operation

DESCRIPTION = """\
The integration API of tm for newsroom systems: send Arabic stories, get the English back.

Every call but this description carries a personal API token, `Authorization: Bearer tm_...`,
made on the account page or with `tm token create USER`. A token acts as its account: it sees
and changes what that account may in the web editor.

Errors are JSON, `{"error": {"code": "...", "message": "..."}}`, with the HTTP status. Lists are
paged by cursor: pass the `next` of one answer as `cursor` to get the next page.
"""


# the reference's sections, in the order a newsroom system meets them
TAGS = [
    {"name": "Translate", "description": "Draft a short text at once, memory first, then MT."},
    {"name": "Documents", "description": "Stories to translate: drafted, assigned, edited, exported."},
    {"name": "Analysis", "description": "Words per match band, to price and plan work."},
    {"name": "Webhooks", "description": "Signed calls to a newsroom system when a story is drafted or done."},
    {"name": "Jobs", "description": "Background work (drafting, imports) and its progress."},
    {"name": "Memory", "description": "Lookups, concordance, and the memory as a file."},
    {"name": "Units", "description": "The memory's translation units with their history."},
    {"name": "Glossary", "description": "Terms, proposals and their files."},
    {"name": "Reports", "description": "What MT drafts and the memory save: post-editing effort."},
    {"name": "Account", "description": "Who a token is."},
    {"name": "Reference", "description": "This description."},
]


class OpenAPIDocument(Answer):
    """The OpenAPI 3.1 document (its schema is OpenAPI's own)."""

    model_config = {"extra": "allow"}
    openapi: str


def _version() -> str:
    try:
        return version("tm")
    except PackageNotFoundError:  # running from a checkout that was not installed
        return "0"


@bp.get("/openapi.json")
@operation("Reference", answers={200: OpenAPIDocument}, public=True)
def openapi_json() -> ResponseReturnValue:
    """Return this API's OpenAPI 3.1 document, built from the code that serves it."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    cached = app.extensions.get("tm_openapi")
    if cached is None:
        cached = openapi(app, title="tm API", version=_version(), description=DESCRIPTION, tags=TAGS)
        app.extensions["tm_openapi"] = cached
    return jsonify(cached)


@bp.get("/docs")
@operation("Reference", answers={200: "text/html"}, public=True)
def reference() -> ResponseReturnValue:
    """Show the API reference to read in a browser (Swagger UI, served by tm itself)."""
    return render_template("api_reference.html")
