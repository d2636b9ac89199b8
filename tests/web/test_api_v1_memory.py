"""The token API's memory and glossary: units paged, created, read with history, changed with the
version read (409 otherwise), deleted; memory and glossary files in and out; rate limits."""

from __future__ import annotations

import csv
import io

import pytest

from tm.config import Settings
from tm.store.records import NewUnit
from tm.store.sqlite import SQLiteStore
from web import create_app

from .conftest import Bearer, EchoTranslator, error_of, services

NEWS = [
    ("أعلنت وزارة الصحة تسجيل حالات جديدة.", "The health ministry announced new cases."),
    ("ارتفعت أسعار النفط في الأسواق الآسيوية.", "Oil prices rose in Asian markets."),
    ("قال المتحدث إن المحادثات ستستأنف غدا.", "The spokesman said talks would resume tomorrow."),
    ("افتتح الرئيس معرض الكتاب الدولي.", "The president opened the international book fair."),
    ("هطلت أمطار غزيرة على العاصمة.", "Heavy rain fell on the capital."),
]

TMX = """<?xml version="1.0" encoding="UTF-8"?>
<tmx version="1.4"><header srclang="ar" datatype="plaintext" segtype="sentence" adminlang="en"
 o-tmf="test" creationtool="test" creationtoolversion="1"/><body>
<tu><tuv xml:lang="ar"><seg>وصل الوفد إلى القاهرة صباح اليوم.</seg></tuv>
<tuv xml:lang="en"><seg>The delegation arrived in Cairo this morning.</seg></tuv></tu>
<tu><tuv xml:lang="ar"><seg>أغلقت البورصة على ارتفاع.</seg></tuv>
<tuv xml:lang="en"><seg>The stock exchange closed higher.</seg></tuv></tu>
</body></tmx>
"""


@pytest.fixture
def units(app):
    return [
        services(app).store.units.add(NewUnit(s, t, author="sara", origin="human" if i % 2 else "mt"))
        for i, (s, t) in enumerate(NEWS)
    ]


@pytest.fixture
def ada(app):
    return Bearer(app, "ada")


@pytest.fixture
def tom(app):
    return Bearer(app, "tom")


@pytest.fixture
def rita(app):
    return Bearer(app, "rita")


# -- units --------------------------------------------------------------------------------------


def test_paging_through_the_units_sees_each_once_while_someone_adds_and_edits(app, tom, units):
    first = tom.get("/api/v1/units?limit=2")
    assert first.status_code == 200
    page = first.get_json()
    assert [u["id"] for u in page["items"]] == [units[0].id, units[1].id]
    store = services(app).store
    store.units.update(units[3].id, author="lina", target="Changed between two pages.")
    added = store.units.add(NewUnit("خبر عاجل من المحرر.", "Breaking news from the editor."))
    seen = [u["id"] for u in page["items"]]
    cursor = page["next"]
    while cursor:
        page = tom.get(f"/api/v1/units?limit=2&cursor={cursor}").get_json()
        seen += [u["id"] for u in page["items"]]
        cursor = page["next"]
    assert seen == [u.id for u in units] + [added.id]


def test_units_filter_by_origin_author_and_day(tom, units):
    mt = tom.get("/api/v1/units?origin=mt").get_json()["items"]
    assert [u["id"] for u in mt] == [units[0].id, units[2].id, units[4].id]
    today = units[0].changed_at[:10]
    assert len(tom.get(f"/api/v1/units?since={today}&until={today}").get_json()["items"]) == 5
    assert tom.get("/api/v1/units?author=nobody").get_json() == {"items": [], "next": None}


@pytest.mark.parametrize(
    "query",
    [
        "cursor=abc",
        "cursor=eyJhZnRlciI6InguIn0",
        "limit=0",
        "limit=201",
        "limit=ten",
        "origin=robot",
        "since=yesterday",
        "cursor=eyJhZnRlciI6OTIyMzM3MjAzNjg1NDc3NTgwOH0",  # {"after": 2**63}: no row has it
    ],
)
def test_bad_unit_list_parameters_get_400(tom, units, query):
    error_of(tom.get(f"/api/v1/units?{query}"), 400)


def test_a_reviewer_adds_a_unit_and_reads_it_with_its_history(rita):
    body = {
        "source": "سافر الوفد إلى جنيف.",
        "target": "The delegation travelled to Geneva.",
        "meta": {"client": "AFP"},
    }
    r = rita.post("/api/v1/units", body)
    assert r.status_code == 201
    unit = r.get_json()
    assert (unit["author"], unit["origin"], unit["version"], unit["meta"]) == (
        "rita",
        "human",
        1,
        {"client": "AFP"},
    )
    assert r.headers["Location"].endswith(f"/api/v1/units/{unit['id']}")
    read = rita.get(f"/api/v1/units/{unit['id']}").get_json()
    assert read["unit"]["source"] == body["source"]
    assert [h["action"] for h in read["history"]] == ["create"]


def test_a_translator_reads_units_but_does_not_change_them(tom, units):
    assert tom.get(f"/api/v1/units/{units[0].id}").status_code == 200
    assert error_of(tom.post("/api/v1/units", {"source": "نص", "target": "text"}), 403)
    error_of(tom.put(f"/api/v1/units/{units[0].id}", {"version": 1, "target": "x"}), 403)
    error_of(tom.delete(f"/api/v1/units/{units[0].id}?version=1"), 403)


def test_two_reviewers_change_one_unit_and_the_second_gets_409(app, ada, rita, units):
    unit_id = units[1].id
    seen = rita.get(f"/api/v1/units/{unit_id}").get_json()["unit"]["version"]
    first = ada.put(f"/api/v1/units/{unit_id}", {"version": seen, "target": "Oil prices climbed in Asia."})
    assert first.status_code == 200 and first.get_json()["version"] == seen + 1
    message = error_of(
        rita.put(f"/api/v1/units/{unit_id}", {"version": seen, "target": "Rita's words."}), 409
    )
    assert "changed by someone else" in message
    kept = services(app).store.units.get(unit_id)
    assert kept.target == "Oil prices climbed in Asia." and kept.author == "ada"
    history = rita.get(f"/api/v1/units/{unit_id}").get_json()["history"]
    assert [(h["action"], h["author"]) for h in history] == [("create", "sara"), ("update", "ada")]


def test_changing_raw_mt_by_hand_makes_it_mt_edited(app, ada):
    unit = services(app).store.units.add(NewUnit("خبر", "News.", origin="mt", provenance="mt-unchanged"))
    changed = ada.put(f"/api/v1/units/{unit.id}", {"version": 1, "target": "A news item."}).get_json()
    assert (changed["origin"], changed["provenance"]) == ("human", "mt-edited")


def test_a_deleted_unit_keeps_its_history_and_a_stale_delete_is_refused(ada, rita, units):
    unit_id = units[2].id
    ada.put(f"/api/v1/units/{unit_id}", {"version": 1, "target": "Talks resume tomorrow."})
    error_of(rita.delete(f"/api/v1/units/{unit_id}?version=1"), 409)
    r = rita.delete(f"/api/v1/units/{unit_id}?version=2")
    assert r.status_code == 204 and r.get_data() == b""
    read = rita.get(f"/api/v1/units/{unit_id}").get_json()
    assert read["unit"] is None
    assert [(h["action"], h["author"]) for h in read["history"]] == [
        ("create", "sara"),
        ("update", "ada"),
        ("delete", "rita"),
    ]
    error_of(rita.delete(f"/api/v1/units/{unit_id}?version=3"), 404)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"target": "x"}, "source"),
        ({"source": "نص", "target": 5}, "target"),
        ({"source": "نص", "target": "   "}, "target"),
        ({"source": "نص", "target": "text", "author": "someone else"}, "author"),
        ({"source": "نص", "target": "evil\u202etxt.exe"}, "target"),
        ({"source": "نص", "target": "x" * 20001}, "target"),
        ({"source": "نص", "target": "text", "origin": "robot"}, "origin"),
        ({"source": "نص", "target": "text", "meta": {"n": 1}}, "meta"),
    ],
)
def test_a_malformed_unit_is_refused_naming_the_field_and_nothing_is_stored(app, rita, body, field):
    before = services(app).store.units.count()
    assert field in error_of(rita.post("/api/v1/units", body), 400)
    assert services(app).store.units.count() == before


@pytest.mark.parametrize(
    "body",
    [
        {"target": "no version"},
        {"version": "1", "target": "x"},
        {"version": 1},
        {"version": 0, "target": "x"},
        [],
    ],
)
def test_a_change_without_a_proper_version_is_refused(ada, units, body):
    error_of(ada.put(f"/api/v1/units/{units[0].id}", body), 400)


def test_unknown_units_are_404(ada):
    error_of(ada.get("/api/v1/units/999999"), 404)
    error_of(ada.put("/api/v1/units/999999", {"version": 1, "target": "x"}), 404)
    error_of(ada.get(f"/api/v1/units/{2**63}"), 404)


# -- memory files -------------------------------------------------------------------------------


def test_an_admin_imports_a_tmx_and_follows_the_job_to_the_end(app, ada):
    r = ada.post(
        "/api/v1/memory/import",
        data={"file": (io.BytesIO(TMX.encode()), "agency.tmx"), "on_duplicate": "skip"},
    )
    assert r.status_code == 202
    job = r.get_json()
    assert r.headers["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    services(app).worker.wait_idle()
    done = ada.get(f"/api/v1/jobs/{job['id']}").get_json()
    assert done["state"] == "done"
    assert {u.target for u in services(app).store.units.iter_units()} == {
        "The delegation arrived in Cairo this morning.",
        "The stock exchange closed higher.",
    }


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({}, 400),
        ({"file": (io.BytesIO(b"hello"), "notes.docx")}, 400),
        ({"file": (io.BytesIO(TMX.encode()), "a.tmx"), "on_duplicate": "replace-all"}, 400),
    ],
)
def test_a_bad_memory_import_is_refused_and_queues_nothing(app, ada, data, status):
    error_of(ada.post("/api/v1/memory/import", data=data), status)
    assert services(app).store.jobs.pending(["import"]) == 0


def test_only_admins_import_and_export_the_memory(tom, rita, units):
    data = {"file": (io.BytesIO(TMX.encode()), "agency.tmx")}
    error_of(tom.post("/api/v1/memory/import", data=data), 403)
    error_of(rita.get("/api/v1/memory/export"), 403)


def test_the_memory_exports_as_tmx_csv_and_tsv_with_filters(ada, units):
    tmx = ada.get("/api/v1/memory/export")
    assert tmx.status_code == 200 and tmx.mimetype == "application/x-tmx+xml"
    assert tmx.get_data(as_text=True).count("<tu ") == 5
    rows = list(csv.reader(io.StringIO(ada.get("/api/v1/memory/export?format=csv").get_data(as_text=True))))
    assert rows[0][:3] == ["id", "source", "target"] and len(rows) == 6
    assert rows[1][1:3] == list(NEWS[0])
    tsv = ada.get("/api/v1/memory/export?format=tsv&origin=human")
    assert tsv.mimetype == "text/tab-separated-values"
    lines = tsv.get_data(as_text=True).splitlines()
    assert len(lines) == 3 and lines[1].split("\t")[1] == NEWS[1][0]
    assert 'filename="memory.tsv"' in tsv.headers["Content-Disposition"]


def test_a_large_csv_export_streams_every_unit_once_with_one_header(app, ada):
    services(app).store.units.import_units(NewUnit(f"جملة رقم {i}", f"sentence {i}") for i in range(1234))
    rows = list(csv.reader(io.StringIO(ada.get("/api/v1/memory/export?format=csv").get_data(as_text=True))))
    assert rows[0][0] == "id" and len(rows) == 1235
    assert [r[2] for r in rows[1:]] == [f"sentence {i}" for i in range(1234)]


# -- glossary -----------------------------------------------------------------------------------


def test_a_translator_proposes_and_a_reviewer_approves_a_term(app, tom, rita):
    r = tom.post(
        "/api/v1/glossary/terms", {"source": "مجلس الأمن", "target": "Security Council", "notes": "UN"}
    )
    assert r.status_code == 201
    term = r.get_json()
    assert (term["status"], term["author"]) == ("proposed", "tom")
    assert services(app).glossary.hits("اجتمع مجلس الأمن أمس.") == []  # not used until approved
    approved = rita.post(f"/api/v1/glossary/terms/{term['id']}/approve")
    assert approved.status_code == 200
    assert (approved.get_json()["status"], approved.get_json()["reviewed_by"]) == ("approved", "rita")
    assert [h.term.target for h in services(app).glossary.hits("اجتمع مجلس الأمن أمس.")] == [
        "Security Council"
    ]


def test_a_reviewer_adds_changes_and_deletes_terms(tom, rita):
    term = rita.post(
        "/api/v1/glossary/terms",
        {
            "source": "البنك المركزي",
            "target": "Central Bank",
            "forbidden": ["central bank of"],
            "enforce": True,
        },
    ).get_json()
    assert (term["status"], term["enforce"], term["forbidden"]) == ("approved", True, ["central bank of"])
    error_of(tom.patch(f"/api/v1/glossary/terms/{term['id']}", {"target": "CB"}), 403)
    changed = rita.patch(f"/api/v1/glossary/terms/{term['id']}", {"notes": "capitalised"}).get_json()
    assert (changed["notes"], changed["target"]) == ("capitalised", "Central Bank")
    error_of(tom.delete(f"/api/v1/glossary/terms/{term['id']}"), 403)
    assert rita.delete(f"/api/v1/glossary/terms/{term['id']}").status_code == 204
    error_of(rita.get(f"/api/v1/glossary/terms/{term['id']}"), 404)


def test_the_same_term_twice_is_a_409_naming_the_first(rita):
    first = rita.post(
        "/api/v1/glossary/terms", {"source": "الأمم المتحدة", "target": "United Nations"}
    ).get_json()
    message = error_of(
        rita.post("/api/v1/glossary/terms", {"source": "الأمم المتحدة", "target": "United Nations"}), 409
    )
    assert f"term {first['id']}" in message


def test_terms_page_and_search(rita):
    for i in range(5):
        rita.post("/api/v1/glossary/terms", {"source": f"مصطلح {i}", "target": f"term {i}"})
    page = rita.get("/api/v1/glossary/terms?limit=2").get_json()
    seen = [t["target"] for t in page["items"]]
    while page["next"]:
        page = rita.get(f"/api/v1/glossary/terms?limit=2&cursor={page['next']}").get_json()
        seen += [t["target"] for t in page["items"]]
    assert seen == [f"term {i}" for i in range(5)]
    assert [t["target"] for t in rita.get("/api/v1/glossary/terms?q=term 3").get_json()["items"]] == [
        "term 3"
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"source": "", "target": "x"},
        {"source": "مصطلح", "target": "x" * 301},
        {"source": "مصطلح", "target": "x", "enforce": "yes"},
        {"source": "مصطلح", "target": "x", "forbidden": "a|b"},
        {"source": "مصطلح", "target": "\u2066x"},
    ],
)
def test_a_malformed_term_is_refused(app, rita, body):
    error_of(rita.post("/api/v1/glossary/terms", body), 400)
    assert services(app).glossary.terms() == []


def test_glossary_files_in_and_out(app, ada, tom):
    data = "source,target,notes\nوزير الخارجية,foreign minister,title\nالبرلمان,parliament,\n"
    r = ada.post("/api/v1/glossary/import", data={"file": (io.BytesIO(data.encode()), "desk.csv")})
    assert r.status_code == 200 and r.get_json() == {"added": 2, "skipped": 0}
    again = ada.post("/api/v1/glossary/import", data={"file": (io.BytesIO(data.encode()), "desk.csv")})
    assert again.get_json() == {"added": 0, "skipped": 2}
    tom.post("/api/v1/glossary/terms", {"source": "الحكومة", "target": "government"})  # a proposal
    exported = tom.get("/api/v1/glossary/export?format=csv")
    assert exported.mimetype == "text/csv"
    text = exported.get_data(as_text=True)
    assert "foreign minister" in text and "government" not in text
    tbx = tom.get("/api/v1/glossary/export?format=tbx")
    assert tbx.mimetype == "application/x-tbx+xml" and "parliament" in tbx.get_data(as_text=True)
    error_of(tom.post("/api/v1/glossary/import", data={"file": (io.BytesIO(data.encode()), "x.csv")}), 403)
    bad = ada.post("/api/v1/glossary/import", data={"file": (io.BytesIO(b"a,b\n1,2\n"), "x.csv")})
    assert "source and target" in error_of(bad, 400)


# -- every call: tokens, and the rate limit -----------------------------------------------------

CALLS = [
    ("GET", "/api/v1/units"),
    ("POST", "/api/v1/units"),
    ("GET", "/api/v1/units/1"),
    ("PUT", "/api/v1/units/1"),
    ("DELETE", "/api/v1/units/1?version=1"),
    ("POST", "/api/v1/memory/import"),
    ("GET", "/api/v1/memory/export"),
    ("GET", "/api/v1/glossary/terms"),
    ("POST", "/api/v1/glossary/terms"),
    ("GET", "/api/v1/glossary/terms/1"),
    ("PATCH", "/api/v1/glossary/terms/1"),
    ("POST", "/api/v1/glossary/terms/1/approve"),
    ("DELETE", "/api/v1/glossary/terms/1"),
    ("POST", "/api/v1/glossary/import"),
    ("GET", "/api/v1/glossary/export"),
]


@pytest.mark.parametrize(("method", "path"), CALLS)
def test_every_memory_call_needs_a_live_token(app, ada, units, method, path):
    assert error_of(ada.call(method, path, secret=None), 401)
    ada.revoke()
    assert "revoked" in error_of(ada.call(method, path), 401)


def test_a_token_that_calls_too_often_gets_429_and_another_token_does_not(tmp_path):
    store = SQLiteStore(tmp_path / "limited.db")
    app = create_app(
        Settings(db=str(tmp_path / "limited.db"), api_rate="3/minute"),
        store=store,
        translator=EchoTranslator(),
    )
    app.config["TESTING"] = True
    try:
        store.accounts.add("ada", "x", "admin")
        store.accounts.add("tom", "x", "translator")
        ada, tom = Bearer(app, "ada"), Bearer(app, "tom")
        # the same token written three ways is one count
        variants = [f"Bearer {ada.secret}", f"bearer  {ada.secret}", f"BEARER {ada.secret} "]
        codes = [
            ada.get("/api/v1/me", secret=None, headers={"Authorization": v}).status_code for v in variants
        ]
        assert codes == [200, 200, 200]
        r = ada.get("/api/v1/me")
        assert "3 per 1 minute" in error_of(r, 429)
        assert r.get_json()["error"]["code"] == "too_many_requests"
        assert int(r.headers["Retry-After"]) > 0
        assert tom.get("/api/v1/me").status_code == 200
        assert app.test_client().get("/api/v1/openapi.json").status_code == 200  # counted by address
    finally:
        services(app).worker.stop()
        store.close()


def test_two_processes_share_one_rate_limit_count_in_redis(tmp_path):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).flushdb()
    except redis.exceptions.ConnectionError as e:
        pytest.skip(f"no Redis answers at {url}: {e}")
    store = SQLiteStore(tmp_path / "shared.db")
    settings = Settings(db=str(tmp_path / "shared.db"), api_rate="4/minute", api_rate_storage=url)
    # two apps, as two server processes would have, over one memory and one Redis
    apps = [create_app(settings, store=store, translator=EchoTranslator()) for _ in range(2)]
    try:
        store.accounts.add("ada", "x", "admin")
        ada = Bearer(apps[0], "ada")
        calls = [
            app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {ada.secret}"}).status_code
            for app in apps * 3
        ]
        assert calls == [200, 200, 200, 200, 429, 429]
    finally:
        for app in apps:
            services(app).worker.stop()
            services(app).deliverer.stop()
        store.close()
        redis.Redis.from_url(url).flushdb()
