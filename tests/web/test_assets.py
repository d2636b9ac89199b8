"""Static files are addressed by their content and kept by browsers; the rest is checked each time."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import web

STATIC = Path(web.__file__).parent / "static"


def addresses(page: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', page)


def test_a_pages_scripts_and_styles_carry_their_contents_hash(translator):
    page = translator.get("/").get_data(as_text=True)
    found = addresses(page)
    assert any(a.startswith("/static/app.css?v=") for a in found), found
    for address in found:
        path, _, version = address.partition("?v=")
        content = (STATIC / path.removeprefix("/static/")).read_bytes()
        assert version == hashlib.sha256(content).hexdigest()[:16], address


def test_a_versioned_file_is_kept_for_a_year_and_an_unversioned_one_is_checked(translator):
    page = translator.get("/").get_data(as_text=True)
    css = next(a for a in addresses(page) if a.startswith("/static/app.css?v="))
    kept = translator.get(css)
    assert kept.status_code == 200
    assert kept.cache_control.max_age == 365 * 24 * 3600 and kept.cache_control.immutable
    assert kept.get_data() == (STATIC / "app.css").read_bytes()
    plain = translator.get("/static/app.css")
    assert plain.status_code == 200 and not plain.cache_control.max_age and not plain.cache_control.immutable
    # a version that is not the file's (a page from before an upgrade) is not kept either
    stale = translator.get("/static/app.css?v=0123456789abcdef")
    assert stale.status_code == 200 and not stale.cache_control.immutable


def test_a_missing_static_file_is_a_404_not_an_error(translator):
    assert translator.get("/static/no-such-file.js?v=abc").status_code == 404
    assert translator.get("/static/../secret?v=abc").status_code == 404
