"""Inline tags in the editor's page and JSON: chips named from the paragraph's table, a box that
holds them for sentences with tags, and nothing new for sentences (or documents) without."""

from __future__ import annotations

import io
import re

from tm.store.records import NewTerm

from .conftest import services

B1, EB1 = chr(0xE004), chr(0xE005)  # tag 1 opens, closes (tm/tags.py)
PAGE = (
    '<html dir="rtl"><body><p>قال <b>الوزير</b> إن <a href="https://x.example/p">الخطة</a> جاهزة.</p>'
    "<p>وقال المحافظ إن التضخم ما زال مرتفعا.</p></body></html>"
)


def upload(app, client, page=PAGE, name="story.html"):
    r = client.post(
        "/documents/new",
        {"file": (io.BytesIO(page.encode()), name), "title": ""},
        content_type="multipart/form-data",
    )
    assert r.status_code == 302, r.get_data(as_text=True)
    services(app).worker.wait_idle()
    return int(r.headers["Location"].rsplit("/", 1)[1])


def test_the_segment_json_names_the_tags_of_a_sentence_that_has_them(app, translator):
    doc_id = upload(app, translator)
    tagged, plain = translator.api("GET", f"/api/documents/{doc_id}").get_json()["segments"]
    assert tagged["source"].startswith(f"قال {B1}الوزير{EB1}")
    assert tagged["tags"] == {
        "1": {"kind": "open", "name": "b", "title": ""},
        "2": {"kind": "open", "name": "a", "title": "https://x.example/p"},
    }
    assert "tags" not in plain
    # a save answers with the table too (the editor names the chips of a row drawn anew)
    r = translator.api(
        "PUT",
        f"/api/documents/{doc_id}/segments/0",
        {"target": f"The {B1}minister{EB1}", "version": tagged["version"]},
    )
    assert r.get_json()["segment"]["tags"]["1"]["name"] == "b"


def test_the_editor_draws_chips_and_a_box_that_holds_them_only_where_there_are_tags(app, translator):
    services(app).store.glossary.add(NewTerm("الوزير", "minister"))
    doc_id = upload(app, translator)
    html = translator.get(f"/documents/{doc_id}").get_data(as_text=True)
    first, second = html.split('id="seg-1"')
    assert (
        f'<span class="tag-chip tag-open tag-c0" contenteditable="false" data-tag="{B1}">b1</span>' in first
    )
    assert f'data-tag="{EB1}">/b1</span>' in first
    assert 'title="https://x.example/p">a2</span>' in first
    # a glossary term inside the bold is marked between its chips
    assert re.search(
        f'data-tag="{B1}">b1</span><span class="term"[^>]*>الوزير</span><span [^>]*>/b1</span>', first
    )
    assert re.search(
        r'<tm-field role="textbox" aria-multiline="true" dir="ltr" lang="en"[^>]*contenteditable="true"',
        first,
    )
    assert "<textarea" not in first.split('class="grid"')[1]
    assert "data-tags=" in first
    # the untagged sentence keeps its textarea
    assert '<textarea dir="ltr"' in second and "tm-field" not in second.split("<aside")[0]
    assert "Ctrl+Alt+T" in html


def test_a_pasted_text_document_has_textareas_and_no_tag_key(app, translator):
    doc_id = translator.new_document("قال الوزير إن الخطة جاهزة.\n")
    html = translator.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "<tm-field" not in html and "tag-chip" not in html and "Ctrl+Alt+T" not in html
    assert html.count('<textarea dir="ltr"') == 1
    [seg] = translator.api("GET", f"/api/documents/{doc_id}").get_json()["segments"]
    assert "tags" not in seg


def test_a_reader_gets_a_box_that_cannot_be_typed_in(app, translator, reviewer):
    doc_id = upload(app, translator)
    html = reviewer.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert re.search(r'<tm-field [^>]*contenteditable="false" aria-readonly="true"', html)
