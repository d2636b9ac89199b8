import io

import pytest

from .conftest import Client, services

ARTICLE = "عنوان الخبر\n\nقال الوزير إن الاقتصاد ينمو. وأضاف أن التضخم مستقر.\nقال الوزير إن الاقتصاد ينمو.\n"


def segments(app, doc_id):
    return services(app).store.documents.segments(doc_id)


def test_an_empty_state_tells_a_new_user_what_to_do(translator):
    page = translator.get("/").get_data(as_text=True)
    assert "No documents yet" in page and "paste it or upload a .txt file" in page


def test_pasted_text_is_segmented_and_drafted(app, translator):
    doc_id = translator.new_document(ARTICLE, title="Economy")
    doc = services(app).store.documents.get(doc_id)
    assert (doc.status, doc.total, doc.words, doc.owner) == ("ready", 4, 16, "tom")
    segs = segments(app, doc_id)
    assert [s.source for s in segs] == [
        "عنوان الخبر",
        "قال الوزير إن الاقتصاد ينمو.",
        "وأضاف أن التضخم مستقر.",
        "قال الوزير إن الاقتصاد ينمو.",
    ]
    assert [s.origin for s in segs] == ["mt", "mt", "mt", "mt"]
    assert segs[1].target == "EN: قال الوزير إن الاقتصاد ينمو." and segs[3].repeat_of == 1
    page = translator.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert page.count('class="seg ') == 4 and 'dir="rtl" lang="ar"' in page
    listing = translator.get("/").get_data(as_text=True)
    assert "Economy" in listing and ">16<" in listing and "0%" in listing


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1256"])
def test_uploaded_text_files_in_arabic_encodings(app, translator, encoding):
    data = {"file": (io.BytesIO(ARTICLE.encode(encoding)), "wire.txt"), "title": ""}
    r = translator.post("/documents/new", data, content_type="multipart/form-data")
    assert r.status_code == 302
    services(app).worker.wait_idle()
    doc = services(app).store.documents.all()[0][0]
    assert doc.title == "wire"
    assert segments(app, doc.id)[0].source == "عنوان الخبر"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("junk.txt", b"price \x80\x89\x99\x85 " * 40, "neither UTF-8 nor Windows-1256"),
        ("article.docx", b"PK\x03\x04", "this .docx is damaged"),
        ("article.pdf", b"%PDF-1.4", "tm reads .docx, .htm, .html"),
        ("blank.txt", b"   \n\n", "the text is empty"),
    ],
)
def test_bad_uploads_get_a_clear_message_and_create_nothing(app, translator, name, content, message):
    data = {"file": (io.BytesIO(content), name), "title": ""}
    r = translator.post("/documents/new", data, content_type="multipart/form-data")
    assert r.status_code == 400
    assert message in r.get_data(as_text=True)
    assert services(app).store.documents.all() == []


def test_missing_documents_and_segments_are_404(translator):
    assert translator.get("/documents/999").status_code == 404
    assert translator.get("/documents/999/english.txt").status_code == 404
    r = translator.api("PUT", "/api/documents/999/segments/0", {"target": "x", "version": 1})
    assert r.status_code == 404 and "does not exist" in r.get_json()["error"]
    assert translator.get("/no/such/page").status_code == 404


def test_autosave_versions_and_stale_saves(app, translator):
    doc_id = translator.new_document(ARTICLE)
    seg = segments(app, doc_id)[1]
    r = translator.api(
        "PUT", f"/api/documents/{doc_id}/segments/1", {"target": "The minister said", "version": seg.version}
    )
    assert r.status_code == 200
    saved = r.get_json()["segment"]
    assert (saved["target"], saved["status"], saved["version"]) == (
        "The minister said",
        "draft",
        seg.version + 1,
    )
    r = translator.api(
        "PUT", f"/api/documents/{doc_id}/segments/1", {"target": "late", "version": seg.version}
    )
    assert r.status_code == 409
    assert segments(app, doc_id)[1].target == "The minister said"


def test_confirm_writes_the_memory_with_history_and_propagates_repetitions(app, translator):
    doc_id = translator.new_document(ARTICLE)
    seg = segments(app, doc_id)[1]
    r = translator.api(
        "POST",
        f"/api/documents/{doc_id}/segments/1/confirm",
        {"target": "The minister said the economy is growing.", "version": seg.version},
    )
    changed = r.get_json()["segments"]
    assert [(s["idx"], s["status"]) for s in changed] == [(1, "confirmed"), (3, "confirmed")]
    match = services(app).memory.lookup("قال الوزير إن الاقتصاد ينمو.")[0]
    assert (match.score, match.unit.author, match.unit.mt_draft) == (
        100,
        "tom",
        "EN: قال الوزير إن الاقتصاد ينمو.",
    )
    # a second document gets the 100% match
    second = translator.new_document("قال الوزير إن الاقتصاد ينمو.\nجملة جديدة تماما.")
    segs = segments(app, second)
    assert (segs[0].origin, segs[0].score, segs[0].target) == (
        "exact",
        100,
        "The minister said the economy is growing.",
    )
    assert segs[1].origin == "mt"


def test_confirming_an_empty_translation_is_refused(app, translator):
    doc_id = translator.new_document(ARTICLE)
    r = translator.api("POST", f"/api/documents/{doc_id}/segments/0/confirm", {"target": "  ", "version": 1})
    assert r.status_code == 400 and "empty" in r.get_json()["error"]


def test_only_reviewers_and_admins_approve(app, translator, reviewer):
    doc_id = translator.new_document(ARTICLE)
    # a reviewer writes a document assigned to her and in review (tests/web/test_assignment.py)
    translator.post(
        f"/documents/{doc_id}/assign", {"translator": "tom", "reviewer": "rita", "priority": "normal"}
    )
    services(app).store.documents.set_stage(doc_id, "in review")
    assert (
        translator.api(
            "POST",
            f"/api/documents/{doc_id}/segments/0/confirm",
            {"target": "Headline", "approve": True, "version": 1},
        ).status_code
        == 403
    )
    r = reviewer.api(
        "POST",
        f"/api/documents/{doc_id}/segments/0/confirm",
        {"target": "News headline", "approve": True, "version": 1},
    )
    assert r.get_json()["segments"][0]["status"] == "approved"
    assert services(app).memory.lookup("عنوان الخبر")[0].unit.author == "rita"


def test_revert_puts_the_draft_back(app, translator):
    doc_id = translator.new_document(ARTICLE)
    translator.api("PUT", f"/api/documents/{doc_id}/segments/2", {"target": "edited", "version": 1})
    r = translator.api("POST", f"/api/documents/{doc_id}/segments/2/revert", {"version": 2})
    assert r.get_json()["segment"]["target"] == "EN: وأضاف أن التضخم مستقر."


def test_downloads_rebuild_paragraphs_and_export_confirmed_units(app, translator):
    doc_id = translator.new_document(ARTICLE, title="اقتصاد اليوم")
    translator.api(
        "POST", f"/api/documents/{doc_id}/segments/0/confirm", {"target": "Headline", "version": 1}
    )
    r = translator.get(f"/documents/{doc_id}/english.txt")
    assert r.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''" in r.headers["Content-Disposition"]
    text = r.get_data(as_text=True)
    assert text.split("\n")[:3] == [
        "Headline",
        "",
        "EN: قال الوزير إن الاقتصاد ينمو. EN: وأضاف أن التضخم مستقر.",
    ]
    tmx = translator.get(f"/documents/{doc_id}/confirmed.tmx").get_data(as_text=True)
    assert tmx.count("<tu ") == 1 and "<seg>Headline</seg>" in tmx


def test_delete_needs_the_owner_or_an_admin(app, translator, admin):
    doc_id = translator.new_document(ARTICLE)
    other = Client(app, "tia")
    assert other.post(f"/documents/{doc_id}/delete").status_code == 403
    assert translator.post(f"/documents/{doc_id}/delete").status_code == 302
    assert services(app).store.documents.all() == []


def test_without_a_model_the_document_keeps_memory_drafts_and_says_why(app, translator, store):
    from tm.errors import ModelUnavailable

    services(app).memory.add("قال الوزير إن الاقتصاد ينمو.", "The minister said the economy grows.")

    def offline():
        raise ModelUnavailable("model X is not available offline; run `tm model fetch X`")

    services(app)._translator = None
    services(app).translator = offline
    doc_id = translator.new_document(ARTICLE)
    doc = services(app).store.documents.get(doc_id)
    assert doc.status == "ready" and "not available offline" in doc.note
    assert [s.origin for s in segments(app, doc_id)] == ["none", "exact", "none", "exact"]
    assert "not available offline" in translator.get(f"/documents/{doc_id}").get_data(as_text=True)


def test_lookup_and_concordance_api(app, translator):
    services(app).memory.add("وقعت إسرائيل والمغرب اتفاقا.", "Israel and Morocco signed a deal.")
    hits = translator.get("/api/concordance?q=المغرب").get_json()["hits"]
    assert hits[0]["source"][slice(*hits[0]["source_spans"][0])] == "والمغرب"  # the whole word
    matches = translator.get("/api/lookup?text=" + "وقعت إسرائيل والمغرب اتفاقا جديدا.").get_json()["matches"]
    assert matches[0]["kind"] == "fuzzy" and matches[0]["diff"]
    assert translator.get("/api/concordance?q=x&side=bad").status_code == 400


def test_the_panels_matches_offer_the_english_adapted_as_the_draft_is(app, translator):
    """A match differing only in a weekday or a number comes with its English adapted to the
    sentence and the draft's score; one that differs in words comes as the memory has it."""
    memory = services(app).memory
    memory.add("ارتفعت أسعار النفط يوم الجمعة في الأسواق.", "Oil prices rose on Friday in the markets.")
    memory.add("قال الوزير إن الحكومة ستبني 40 مدرسة.", "The minister said the government would build 40 schools.")
    day = translator.get("/api/lookup?text=ارتفعت أسعار النفط يوم السبت في الأسواق.").get_json()["matches"][0]
    assert day["target"] == "Oil prices rose on Friday in the markets."  # the memory's, as it is
    assert day["adapted"]["target"] == "Oil prices rose on Saturday in the markets."
    assert day["adapted"]["changes"] == [{"memory": "Friday", "new": "Saturday"}]
    assert day["adapted"]["score"] >= day["score"]
    number = translator.get("/api/lookup?text=قال الوزير إن الحكومة ستبني 45 مدرسة.").get_json()["matches"][0]
    assert number["adapted"]["target"] == "The minister said the government would build 45 schools."
    # the draft of the same sentence is the same English with the same score
    doc_id = translator.new_document("قال الوزير إن الحكومة ستبني 45 مدرسة.\n")
    services(app).worker.wait_idle(30)
    (drafted,) = translator.get(f"/api/documents/{doc_id}").get_json()["segments"]
    assert (drafted["origin"], drafted["target"]) == ("adapted", number["adapted"]["target"])
    assert drafted["score"] == number["adapted"]["score"]
    other = translator.get("/api/lookup?text=قال الوزير إن الحكومة ستبني مدارس كثيرة.").get_json()["matches"]
    assert other and all("adapted" not in m for m in other)


def test_the_english_download_keeps_the_whole_layout(app, translator):
    text = "\n\n  عنوان\r\n\r\nجملة أولى.   جملة ثانية.\n\n\n"
    doc_id = translator.new_document(text)
    english = translator.get(f"/documents/{doc_id}/english.txt").get_data(as_text=True)
    assert english == "\n\n  EN: عنوان\r\n\r\nEN: جملة أولى.   EN: جملة ثانية.\n\n\n"


def test_an_html_upload_comes_back_as_html_and_pasted_html_is_read_as_html(app, translator):
    page = '<html dir="rtl"><body><p>قال <b>الوزير</b> إن الخطة جاهزة.</p></body></html>'
    data = {"file": (io.BytesIO(page.encode()), "story.html"), "title": ""}
    r = translator.post("/documents/new", data, content_type="multipart/form-data")
    assert r.status_code == 302, r.get_data(as_text=True)
    services(app).worker.wait_idle()
    doc = services(app).store.documents.all()[0][0]
    assert (doc.format, doc.title) == ("html", "story")
    editor = translator.get(f"/documents/{doc.id}").get_data(as_text=True)
    assert "Download HTML" in editor
    download = translator.get(f"/documents/{doc.id}/file")
    assert download.status_code == 200 and download.mimetype == "text/html"
    assert "story.en.html" in download.headers["Content-Disposition"]
    # drafted by (echo) MT, which cannot place the bold inside the sentence: QA says so in the editor
    assert download.data.startswith(b'<html dir="ltr"><body><p>EN: ')
    [seg] = services(app).store.documents.segments(doc.id)
    assert [q["code"] for q in seg.info["qa"]] == ["arabic-in-target", "tag-missing"]
    r = translator.post("/documents/new", {"title": "pasted", "text": page})
    assert r.status_code == 302
    pasted = services(app).store.documents.all()[0][0]
    assert pasted.format == "html" and services(app).store.documents.file(pasted.id).name == "pasted.html"


def test_a_pasted_text_document_has_no_file_to_download(app, translator):
    doc_id = translator.new_document(ARTICLE)
    r = translator.get(f"/documents/{doc_id}/file")
    assert r.status_code == 400 and "pasted as text" in r.get_data(as_text=True)


def test_a_paste_with_no_arabic_is_taken_with_a_warning(app, translator):
    """English pasted by mistake: kept (nothing a user typed is lost), and the editor says so."""
    for text, warned in (("The minister said the economy grows.\n", True), (ARTICLE, False)):
        r = translator.post("/documents/new", {"title": "paste", "text": text})
        assert r.status_code == 302
        page = translator.get(r.headers["Location"]).get_data(as_text=True)
        assert ("has no Arabic in it" in page) is warned
        assert ('class="flash warn"' in page) is warned
