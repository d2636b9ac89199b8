"""Document-wide tools of the editor: find and replace across the English, the QA report."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("tools", __name__)
