"""Memory and glossary pages, and that user text is escaped everywhere."""

import io

import pytest

from .conftest import services

XSS = ["<script>alert(1)</script>", '<img src=x onerror="alert(2)">']


def test_memory_search_filters_and_highlights(app, translator):
    mem = services(app).memory
    mem.add("وقعت إسرائيل والمغرب اتفاقا.", "Israel and Morocco signed a deal.", author="sara")
    mem.add("زار الوفد المغرب.", "The delegation visited Morocco.", origin="mt")
    page = translator.get("/memory/?q=المغرب").get_data(as_text=True)
    assert page.count("<mark>") == 2
    page = translator.get("/memory/?q=المغرب&origin=mt").get_data(as_text=True)
    assert "The delegation visited Morocco." in page and "Israel and Morocco" not in page
    page = translator.get("/memory/?q=morocco&side=target&author=sara").get_data(as_text=True)
    assert "<mark>Morocco</mark> signed" in page and "delegation" not in page
    assert "Nothing in the memory contains" in translator.get("/memory/?q=غير موجود").get_data(as_text=True)


def test_unit_history_edit_and_delete_by_a_reviewer(app, reviewer, translator):
    unit = services(app).memory.add(
        "ارتفع الدولار.", "The dollar rose.", author="sara", mt_draft="Dollar up."
    )
    page = translator.get(f"/memory/units/{unit.id}").get_data(as_text=True)
    assert "The dollar rose." in page and "Dollar up." in page and "<textarea" not in page
    r = reviewer.post(
        f"/memory/units/{unit.id}",
        {"source": "ارتفع الدولار.", "target": "The dollar gained.", "version": "1"},
    )
    assert r.status_code == 302
    stale = reviewer.post(
        f"/memory/units/{unit.id}", {"source": "ارتفع الدولار.", "target": "late", "version": "1"}
    )
    assert stale.status_code == 409
    reviewer.post(f"/memory/units/{unit.id}/delete", {"version": "2"})
    history = services(app).store.units.history(unit.id)
    assert [(h.action, h.author) for h in history] == [
        ("create", "sara"),
        ("update", "rita"),
        ("delete", "rita"),
    ]
    page = translator.get(f"/memory/units/{unit.id}").get_data(as_text=True)
    assert "deleted" in page and "The dollar gained." in page
    assert translator.get("/memory/units/4242").status_code == 404


TMX = (
    '<?xml version="1.0" encoding="UTF-8"?><tmx version="1.4"><header creationtool="x" creationtoolversion="1" '
    'segtype="sentence" o-tmf="x" adminlang="en" srclang="ar" datatype="plaintext"/><body>'
    '<tu><tuv xml:lang="ar"><seg>جملة أولى</seg></tuv><tuv xml:lang="en"><seg>First</seg></tuv></tu>'
    '<tu><tuv xml:lang="ar"><seg>جملة ثانية</seg></tuv><tuv xml:lang="en"><seg>Second</seg></tuv></tu>'
    '<tu><tuv xml:lang="fr"><seg>x</seg></tuv><tuv xml:lang="en"><seg>y</seg></tuv></tu>'
    "</body></tmx>"
)


def test_admin_imports_tmx_with_a_summary_and_exports_it(app, admin):
    r = admin.post(
        "/memory/import",
        {"file": (io.BytesIO(TMX.encode()), "desk.tmx"), "on_duplicate": "skip"},
        content_type="multipart/form-data",
    )
    assert r.status_code == 200 and 'id="job"' in r.get_data(as_text=True)
    services(app).worker.wait_idle()
    job = admin.get("/api/jobs/1").get_json()
    assert job["state"] == "done"
    assert {k: job["result"][k] for k in ("added", "updated", "skipped", "refused")} == {
        "added": 2,
        "updated": 0,
        "skipped": 0,
        "refused": 1,
    }
    assert services(app).memory.lookup("جملة أولى")[0].unit.target == "First"
    exported = admin.get("/memory/export.tmx?origin=import").get_data(as_text=True)
    assert exported.count("<tu ") == 2 and "First" in exported


def test_a_broken_tmx_import_fails_and_changes_nothing(app, admin):
    admin.post(
        "/memory/import",
        {"file": (io.BytesIO(TMX[:-20].encode()), "broken.tmx")},
        content_type="multipart/form-data",
    )
    services(app).worker.wait_idle()
    job = admin.get("/api/jobs/1").get_json()
    assert job["state"] == "failed" and "broken.tmx" in job["error"]
    assert services(app).store.units.count() == 0


def test_import_refuses_other_files(admin):
    r = admin.post(
        "/memory/import", {"file": (io.BytesIO(b"x"), "notes.docx")}, content_type="multipart/form-data"
    )
    assert r.status_code == 400 and "tm imports .tmx, .csv and .tsv files" in r.get_data(as_text=True)


def test_glossary_add_edit_delete_import_export(app, reviewer, admin, translator):
    reviewer.post(
        "/glossary/",
        {"source": "بلو بورد", "target": "BlueBird", "forbidden": "Blue Bird | Blue Board", "enforce": "1"},
    )
    term = services(app).store.glossary.all()[0]
    assert (term.forbidden, term.enforce, term.author) == (["Blue Bird", "Blue Board"], True, "rita")
    reviewer.post(
        f"/glossary/{term.id}",
        {"source": "بلو بورد", "target": "BlueBird Aero Systems", "forbidden": "", "notes": "company"},
    )
    assert services(app).store.glossary.get(term.id).target == "BlueBird Aero Systems"
    csv = "source,target\nباراك ماكس,Barak MX\n".encode()
    admin.post(
        "/glossary/import", {"file": (io.BytesIO(csv), "terms.csv")}, content_type="multipart/form-data"
    )
    assert len(services(app).store.glossary.all()) == 2
    tbx = translator.get("/glossary/export.tbx").get_data(as_text=True)
    assert "<martif" in tbx and "Barak MX" in tbx
    assert "BlueBird Aero Systems" in translator.get("/glossary/?q=blue").get_data(as_text=True)
    reviewer.post(f"/glossary/{term.id}/delete")
    assert [t.target for t in services(app).store.glossary.all()] == ["Barak MX"]
    bad = admin.post(
        "/glossary/import",
        {"file": (io.BytesIO(b"<tmx/>"), "x.tbx")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "not a martif/tbx file" in bad.get_data(as_text=True)
    assert len(services(app).store.glossary.all()) == 1


@pytest.mark.parametrize("payload", XSS)
def test_user_text_is_escaped_in_editor_memory_history_and_glossary(app, translator, reviewer, payload):
    doc_id = translator.new_document(f"قال {payload} أمس.\n", title=payload)
    services(app).memory.add(f"جملة {payload}", f"sentence {payload}", author=payload)
    unit = services(app).store.units.list_units()[0]
    reviewer.post("/glossary/", {"source": "جملة", "target": payload, "notes": payload})
    pages = [
        translator.get(f"/documents/{doc_id}").get_data(as_text=True),
        translator.get("/").get_data(as_text=True),
        translator.get("/memory/?q=جملة").get_data(as_text=True),
        translator.get(f"/memory/units/{unit.id}").get_data(as_text=True),
        translator.get("/glossary/").get_data(as_text=True),
    ]
    for page in pages:
        assert payload not in page
        assert "&lt;" in page
