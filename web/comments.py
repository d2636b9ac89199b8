"""Threaded comments on a document's sentences: read, write, reply, resolve."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("comments", __name__, url_prefix="/api")
