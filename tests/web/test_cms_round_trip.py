"""A newsroom CMS's round trip through the token API alone, with a webhook receiver on loopback:
register a hook, send a story, hear it was drafted, translators and a reviewer work through the
API, hear it is done (signed), fetch the English."""

from __future__ import annotations

from tests.webhook_receiver import Receiver

from .conftest import Bearer, services

STORY = (
    "افتتح وزير النقل الطريق السريع الجديد صباح الأحد.\n\n"
    "ويبلغ طول الطريق 120 كيلومترا.\n\n"
    "وقال الوزير إن المشروع سيخفف الازدحام."
)
ENGLISH = [
    "The transport minister opened the new motorway on Sunday morning.",
    "The road is 120 kilometres long.",
    "The minister said the project would ease congestion.",
]


def test_a_story_goes_from_the_cms_to_english_and_back_through_the_api(app):
    cms, tom, rita = Bearer(app, "ada"), Bearer(app, "tom"), Bearer(app, "rita")
    with Receiver() as receiver:
        r = cms.post(
            "/api/v1/webhooks", {"url": receiver.url, "events": ["document.drafted", "document.done"]}
        )
        assert r.status_code == 201
        secret = r.get_json()["secret"]

        r = cms.post(
            "/api/v1/documents",
            {
                "title": "Motorway",
                "text": STORY,
                "translator": "tom",
                "reviewer": "rita",
                "deadline": "2030-05-01",
            },
        )
        assert r.status_code == 201, r.get_data(as_text=True)
        doc = r.get_json()
        [drafted] = receiver.wait(1)
        assert drafted.verified(secret)
        assert drafted.json()["event"] == "document.drafted"
        assert (
            drafted.json()["document"]["id"] == doc["id"] and drafted.json()["document"]["status"] == "ready"
        )

        path = f"/api/v1/documents/{doc['id']}"
        segments = tom.get(path).get_json()["segments"]
        assert len(segments) == 3
        for s, english in zip(segments, ENGLISH, strict=True):
            r = tom.post(f"{path}/segments/{s['idx']}/confirm", {"target": english, "version": s["version"]})
            assert r.status_code == 200, r.get_data(as_text=True)
            assert r.get_json()["segment"]["status"] == "confirmed"
        assert tom.post(f"{path}/stage", {"stage": "in review"}).status_code == 200
        for s in rita.get(path).get_json()["segments"]:
            r = rita.post(f"{path}/segments/{s['idx']}/confirm", {"version": s["version"], "approve": True})
            assert r.status_code == 200, r.get_data(as_text=True)
        assert receiver.requests == [drafted]  # nothing else until it is done
        assert rita.post(f"{path}/stage", {"stage": "done"}).get_json()["stage"] == "done"
        done = receiver.wait(2)[1]

    assert done.verified(secret)
    assert not done.verified("tmwh_another-secret")
    event = done.json()
    assert (done.headers["x-tm-event"], event["event"]) == ("document.done", "document.done")
    assert done.headers["x-tm-delivery"] == str(event["delivery"])
    english = cms.get(event["document"]["english_url"])
    assert english.status_code == 200 and english.mimetype == "text/plain"
    assert english.get_data(as_text=True).strip() == "\n\n".join(ENGLISH)  # the paragraphs kept
    # the memory has the three sentences, approved by rita and written by tom
    units = {u.target: u for u in services(app).store.units.iter_units()}
    assert {(units[e].author, units[e].reviewer, units[e].status) for e in ENGLISH} == {
        ("tom", "rita", "approved")
    }
