"""Static files with their content's hash in their address, cached by browsers for a year.

Every `url_for('static', filename=...)` gets `?v=<hash of the file>`: a page opened again
(the editor, a dozen times a day) takes its styles and scripts from the browser's cache
without asking the server whether they changed, and a new release of a file has a new
address, so nobody runs yesterday's script against today's server. A request without the
hash (an old page, a hand-typed address) is answered as before, to be checked each time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request

YEAR = 365 * 24 * 3600


def install(app: Flask) -> None:
    """Version the app's static addresses and let browsers keep versioned files for a year."""
    folder = Path(app.static_folder or "static")
    versions: dict[str, str] = {}

    def version(name: str) -> str:
        found = versions.get(name)
        if found is None or app.debug:  # a developer's edits show at the next page
            try:
                found = hashlib.sha256((folder / name).read_bytes()).hexdigest()[:16]
            except (OSError, ValueError):  # no such file: its address stays as it was
                found = ""
            versions[name] = found
        return found

    @app.url_defaults
    def add_version(endpoint: str, values: dict[str, str]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            v = version(values["filename"])
            if v:
                values["v"] = v

    default_max_age = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        # only the version asked for is kept: a stale ?v= would otherwise pin the new file
        if filename and request.args.get("v") and request.args.get("v") == version(filename):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]

    @app.after_request
    def immutable(response: Response) -> Response:
        if request.endpoint == "static" and response.cache_control.max_age == YEAR:
            response.cache_control.immutable = True
            response.cache_control.public = True
        return response
